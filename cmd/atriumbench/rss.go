package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssSample is one reading of /proc/<pid>/status, in bytes.
type rssSample struct {
	rss int64 // VmRSS
	hwm int64 // VmHWM: peak RSS since start or since the last reset
}

// readRSS reads VmRSS and VmHWM of pid; zero values when the process is gone.
func readRSS(pid int) rssSample {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return rssSample{}
	}
	var s rssSample
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			s.rss = kB(line)
		case strings.HasPrefix(line, "VmHWM:"):
			s.hwm = kB(line)
		}
	}
	return s
}

// kB parses "VmRSS:	  12345 kB" into bytes.
func kB(line string) int64 {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n << 10
}

// rssSampler reads the server's memory every 50 ms while a load runs.
type rssSampler struct {
	pid      int
	hwmReset bool
	stopc    chan struct{}
	done     sync.WaitGroup
	mu       sync.Mutex
	maxRSS   int64
	lastHWM  int64
	samples  int
}

// resetHWM asks the kernel to restart the VmHWM peak from the current RSS (writing 5
// to clear_refs), so each run reports its own peak. It reports whether that worked.
func resetHWM(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

func startRSSSampler(pid int) *rssSampler {
	s := &rssSampler{pid: pid, stopc: make(chan struct{})}
	s.hwmReset = resetHWM(pid)
	s.take()
	s.done.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stopc:
				return
			case <-t.C:
				s.take()
			}
		}
	})
	return s
}

func (s *rssSampler) take() {
	r := readRSS(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples++
	s.maxRSS = max(s.maxRSS, r.rss)
	if r.hwm > 0 {
		s.lastHWM = r.hwm
	}
}

// rssResult is the memory seen during one run.
type rssResult struct {
	maxSampled int64 // highest VmRSS sampled every 50 ms
	hwm        int64 // VmHWM at the end of the run
	hwmReset   bool  // whether hwm covers this run only
	samples    int
}

// peak is the run's peak RSS: VmHWM when it was reset for the run (it also sees
// spikes between samples), else the highest sample.
func (r rssResult) peak() int64 {
	if r.hwmReset {
		return max(r.hwm, r.maxSampled)
	}
	return r.maxSampled
}

func (s *rssSampler) stop() rssResult {
	close(s.stopc)
	s.done.Wait()
	s.take()
	s.mu.Lock()
	defer s.mu.Unlock()
	return rssResult{maxSampled: s.maxRSS, hwm: s.lastHWM, hwmReset: s.hwmReset, samples: s.samples}
}

func (r rssResult) String() string {
	hwm := "VmHWM since server start"
	if r.hwmReset {
		hwm = "VmHWM for this run"
	}
	return fmt.Sprintf("peak RSS %.1f MB (max sampled VmRSS %.1f MB over %d samples, %s %.1f MB)",
		mb(r.peak()), mb(r.maxSampled), r.samples, hwm, mb(r.hwm))
}
