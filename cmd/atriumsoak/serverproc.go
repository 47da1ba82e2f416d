package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"atrium/internal/childproc"
)

// buildServer compiles cmd/atrium into dir and returns the binary's path.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin, err := childproc.BuildAtrium(ctx, dir, os.Stderr)
	if errors.Is(err, childproc.ErrNoModule) {
		return "", errors.New("run atriumsoak inside the atrium module (scripts/soak.sh does)")
	}
	return bin, err
}

// serverProc is one "atrium serve" child process. It gets SIGKILL if the soak dies.
type serverProc struct {
	name    string
	proc    *childproc.Proc
	addr    string // 127.0.0.1:port
	base    string // http://addr
	logPath string
}

// startServer runs "atrium serve" on a free loopback port with env added to a minimal
// environment, and waits until /readyz answers 200. Its output goes to dir/name.log.
func startServer(ctx context.Context, bin, dir, name string, env []string) (*serverProc, error) {
	port, err := childproc.FreePort()
	if err != nil {
		return nil, err
	}
	s := &serverProc{name: name, addr: "127.0.0.1:" + strconv.Itoa(port), logPath: filepath.Join(dir, name+".log")}
	s.base = "http://" + s.addr
	cmd := exec.Command(bin, "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "ATRIUM_ADDR=" + s.addr, "ATRIUM_BASE_URL=" + s.base}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if s.proc, err = childproc.Start(cmd, s.logPath); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if err := s.waitReady(ctx, time.Minute); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

func (s *serverProc) waitReady(ctx context.Context, limit time.Duration) error {
	switch err := s.proc.WaitHTTP200(ctx, s.base+"/readyz", limit); {
	case errors.Is(err, childproc.ErrExited):
		return fmt.Errorf("%s exited before it was ready (%v):\n%s", s.name, s.proc.Err(), s.logTail(20))
	case errors.Is(err, childproc.ErrNotReady):
		return fmt.Errorf("%s not ready after %s:\n%s", s.name, limit, s.logTail(20))
	default:
		return err
	}
}

// alive returns an error when the server has exited.
func (s *serverProc) alive() error {
	select {
	case <-s.proc.Exited():
		return fmt.Errorf("%s exited during the run (%v):\n%s", s.name, s.proc.Err(), s.logTail(20))
	default:
		return nil
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *serverProc) kill() { s.proc.Kill() }

// stop sends SIGTERM and waits for a graceful exit, killing after 25 s.
func (s *serverProc) stop() error {
	if s.proc.Stop(syscall.SIGTERM, 25*time.Second) {
		return fmt.Errorf("%s did not stop within 25s of SIGTERM; killed", s.name)
	}
	return nil
}

// cpu is the CPU time the process has used so far (user + system).
func (s *serverProc) cpu() time.Duration { return s.proc.CPU() }

// logTail returns the last n lines of the server's log.
func (s *serverProc) logTail(n int) string { return childproc.LogTail(s.logPath, n, "server") }
