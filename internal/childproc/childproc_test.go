package childproc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestStopAndKill: Stop ends a process that heeds the signal without killing it, and
// kills one that ignores it; the log holds the process's output; Err says how it
// ended.
func TestStopAndKill(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "heeds.log")
	p, err := Start(exec.Command("sh", "-c", "echo started; exec sleep 60"), log)
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, p, log, "started")
	if p.Err() != nil {
		t.Errorf("Err while running = %v, want nil", p.Err())
	}
	if killed := p.Stop(syscall.SIGTERM, time.Minute); killed {
		t.Error("Stop killed a process that heeds SIGTERM")
	}
	<-p.Exited()
	var ee *exec.ExitError
	if !errors.As(p.Err(), &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("Err = %v, want the end by SIGTERM", p.Err())
	}
	if got := LogTail(log, 5, "test"); got != "  started" {
		t.Errorf("LogTail = %q, want %q", got, "  started")
	}
	if killed := p.Stop(syscall.SIGTERM, time.Minute); killed {
		t.Error("Stop of an exited process killed it")
	}

	// Ignored signals stay ignored across exec.
	log = filepath.Join(dir, "ignores.log")
	p, err = Start(exec.Command("sh", "-c", "trap '' TERM; echo started; exec sleep 60"), log)
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, p, log, "started")
	if killed := p.Stop(syscall.SIGTERM, 200*time.Millisecond); !killed {
		t.Error("Stop did not kill a process that ignores SIGTERM")
	}
	select {
	case <-p.Exited():
	default:
		t.Error("Stop returned before the killed process was gone")
	}
	if !errors.As(p.Err(), &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("Err = %v, want the end by SIGKILL", p.Err())
	}
}

// waitLog waits until the log at path holds want (while p runs).
func waitLog(t *testing.T, p *Proc, path, want string) {
	t.Helper()
	for {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), want) {
			return
		}
		select {
		case <-p.Exited():
			t.Fatalf("exited (%v) before its log said %q", p.Err(), want)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestKill: Kill ends the process and returns once it is gone.
func TestKill(t *testing.T) {
	p, err := Start(exec.Command("sleep", "60"), filepath.Join(t.TempDir(), "sleep.log"))
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	select {
	case <-p.Exited():
	default:
		t.Fatal("Kill returned before the process was gone")
	}
	p.Kill() // a second time does nothing
}

// TestCPUTime: a busy process has used CPU time; a process that does not exist none.
func TestCPUTime(t *testing.T) {
	p, err := Start(exec.Command("sh", "-c", "while :; do :; done"), filepath.Join(t.TempDir(), "busy.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	// Until the kernel has counted a tick of it (there is no time limit: a busy loop
	// gets one).
	for p.CPU() == 0 {
		select {
		case <-p.Exited():
			t.Fatalf("the busy loop exited: %v", p.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if got := CPUTime(1 << 30); got != 0 {
		t.Errorf("CPUTime of no process = %v, want 0", got)
	}
}

// TestCPUFromStat reads utime and stime (fields 14 and 15) after the command name,
// which may hold spaces and ") ".
func TestCPUFromStat(t *testing.T) {
	for line, want := range map[string]time.Duration{
		"1234 (atrium) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0\n":  3 * time.Second,
		"1234 (a) b (c) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0\n": 3 * time.Second,
		"1234 (atrium) S 1 2 3":                                   0,
		"garbage":                                                 0,
	} {
		if got := cpuFromStat(line); got != want {
			t.Errorf("cpuFromStat(%q) = %v, want %v", line, got, want)
		}
	}
}

// TestWaitHTTP200 returns at the first 200, reports a process that exits first, and
// gives up after the limit.
func TestWaitHTTP200(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	p, err := Start(exec.Command("sleep", "60"), filepath.Join(t.TempDir(), "sleep.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	if err := p.WaitHTTP200(context.Background(), srv.URL, time.Minute); err != nil || calls.Load() != 3 {
		t.Errorf("WaitHTTP200 = %v after %d requests, want nil after 3", err, calls.Load())
	}
	never := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer never.Close()
	if err := p.WaitHTTP200(context.Background(), never.URL, 0); !errors.Is(err, ErrNotReady) {
		t.Errorf("WaitHTTP200 of a URL never answering 200 = %v, want ErrNotReady", err)
	}
	p.Kill()
	if err := p.WaitHTTP200(context.Background(), srv.URL, time.Minute); !errors.Is(err, ErrExited) {
		t.Errorf("WaitHTTP200 of an exited process = %v, want ErrExited", err)
	}
}

// TestLogTail gives the last lines, indented, and names the log it could not read.
func TestLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	if err := os.WriteFile(path, []byte("a\nb\nc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := LogTail(path, 2, "x"), "  b\n  c"; got != want {
		t.Errorf("LogTail = %q, want %q", got, want)
	}
	if got := LogTail(path+".missing", 2, "server"); !strings.HasPrefix(got, "(no server log: ") {
		t.Errorf("LogTail of a missing file = %q", got)
	}
}

// TestSweepPIDDirs removes the directories of processes that are gone, and keeps
// ours, those of other prefixes and those still busy.
func TestSweepPIDDirs(t *testing.T) {
	root := t.TempDir()
	ours, err := MkdirPID(root, "sw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(ours), fmt.Sprintf("sw-%d-", os.Getpid())) {
		t.Fatalf("MkdirPID made %s", ours)
	}
	// A pid that is gone: a child that has exited and been waited for.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(root, fmt.Sprintf("sw-%d-x", gone.Process.Pid))
	busy := filepath.Join(root, fmt.Sprintf("sw-%d-y", gone.Process.Pid))
	other := filepath.Join(root, fmt.Sprintf("swx-%d-z", gone.Process.Pid))
	for _, d := range []string{dead, busy, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	SweepPIDDirs(root, "sw", func(d string) bool { return d == busy })
	for d, want := range map[string]bool{ours: true, dead: false, busy: true, other: true} {
		_, err := os.Stat(d)
		if got := err == nil; got != want {
			t.Errorf("%s exists: %v, want %v", filepath.Base(d), got, want)
		}
	}
}

// TestFreePort gives a port one can listen on.
func TestFreePort(t *testing.T) {
	port, err := FreePort()
	if err != nil || port <= 0 {
		t.Fatalf("FreePort = %d, %v", port, err)
	}
}
