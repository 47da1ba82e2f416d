package childproc

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Proc is a started child process.
type Proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // what Wait returned; set before exited is closed
}

// Start starts cmd with its standard output and error appended to the file logPath
// (created if missing), and waits for it in the background: Exited is closed when it
// has exited. The caller sets everything else of cmd (environment, SysProcAttr).
func Start(cmd *exec.Cmd, logPath string) (*Proc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	p := &Proc{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited is closed once the process has exited and its log file is closed.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Err is how the process ended (what exec.Cmd.Wait returned: nil for exit status 0);
// nil while it runs.
func (p *Proc) Err() error {
	select {
	case <-p.exited:
		return p.err
	default:
		return nil
	}
}

// Stop sends sig and waits for the process to exit; after grace it kills the process
// (SIGKILL), waits, and reports killed. A process that has exited already is left
// alone.
func (p *Proc) Stop(sig os.Signal, grace time.Duration) (killed bool) {
	select {
	case <-p.exited:
		return false
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
		return false
	case <-t.C:
		p.Kill()
		return true
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// CPU is the CPU time the process has used so far (see CPUTime).
func (p *Proc) CPU() time.Duration { return CPUTime(p.Pid()) }

// clockTick is the unit of /proc CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// CPUTime is the user and system time process pid has used so far, from
// /proc/<pid>/stat (0 when it cannot be read).
func CPUTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return cpuFromStat(string(b))
}

// cpuFromStat is utime+stime of a /proc/<pid>/stat line.
func cpuFromStat(s string) time.Duration {
	// The command name may hold spaces and parentheses; the fields go on after its
	// last closing parenthesis.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * clockTick
}

// Alive reports whether a process pid exists.
func Alive(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}
