package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"atrium/internal/auth"
	"atrium/internal/childproc"
)

// serverProc is the atrium server running as a child process.
type serverProc struct {
	proc    *childproc.Proc
	base    string // http://127.0.0.1:port
	logPath string
}

// buildServer compiles cmd/atrium into dir and returns the binary's path.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin, err := childproc.BuildAtrium(ctx, dir, os.Stdout)
	if errors.Is(err, childproc.ErrNoModule) {
		return "", errors.New("run atriumbench inside the atrium module (go run ./cmd/atriumbench)")
	}
	return bin, err
}

// startServer runs "atrium serve" against databaseURL with demo data, hashing passwords
// with impl and sealing two-factor secrets with secretKey (hex), and waits until
// /readyz answers 200. Its output goes to a log file in dir, server-<name>.log.
// extraEnv (KEY=value) is added to its environment.
func startServer(ctx context.Context, bin, databaseURL, dir string, impl auth.Impl, name, secretKey string, extraEnv ...string) (*serverProc, error) {
	port, err := childproc.FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := &serverProc{base: "http://" + addr, logPath: filepath.Join(dir, "server-"+name+".log")}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(serverEnv(os.Environ()), "DATABASE_URL="+databaseURL, "ATRIUM_ADDR="+addr,
		"ATRIUM_BASE_URL="+s.base, "ATRIUM_DEV=1", "ATRIUM_HASH_IMPL="+string(impl), "ATRIUM_SECRET_KEY="+secretKey)
	cmd.Env = append(cmd.Env, extraEnv...)
	// Own process group: a Ctrl-C reaches the bench, which then stops the server itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.proc, err = childproc.Start(cmd, s.logPath); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		_ = s.stop()
		return nil, err
	}
	// The server names its argon2id code when it starts listening: measure only the
	// one asked for.
	if log, _ := os.ReadFile(s.logPath); !bytes.Contains(log, []byte("argon2id "+string(impl)+")")) {
		_ = s.stop()
		return nil, fmt.Errorf("the server does not say it hashes with %s:\n%s", impl, s.logTail(5))
	}
	return s, nil
}

// serverEnv is the bench's environment without the variables the bench sets itself
// (mail delivery among them: every server delivers to the development mailbox, except
// the mail phase's, which the bench points at its own SMTP server).
func serverEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DATABASE_URL", "ATRIUM_ADDR", "ATRIUM_BASE_URL", "ATRIUM_DEV", "ATRIUM_HASH_IMPL", "ATRIUM_SECRET_KEY",
			"SMTP_URL", "ATRIUM_MAIL_WORKERS", "ATRIUM_MAIL_POLL":
			continue
		}
		out = append(out, kv)
	}
	return out
}

func (s *serverProc) pid() int { return s.proc.Pid() }

func (s *serverProc) waitReady(ctx context.Context, limit time.Duration) error {
	switch err := s.proc.WaitHTTP200(ctx, s.base+"/readyz", limit); {
	case errors.Is(err, childproc.ErrExited):
		return fmt.Errorf("server exited before it was ready (%v):\n%s", s.proc.Err(), s.logTail(20))
	case errors.Is(err, childproc.ErrNotReady):
		return fmt.Errorf("server not ready after %s:\n%s", limit, s.logTail(20))
	default:
		return err
	}
}

// alive returns an error when the server has exited.
func (s *serverProc) alive() error {
	select {
	case <-s.proc.Exited():
		return fmt.Errorf("server exited during the run (%v):\n%s", s.proc.Err(), s.logTail(20))
	default:
		return nil
	}
}

// stop sends SIGTERM and waits for a graceful exit, killing after 25 s.
func (s *serverProc) stop() error {
	select {
	case <-s.proc.Exited():
		return nil
	default:
	}
	if s.proc.Stop(syscall.SIGTERM, 25*time.Second) {
		return errors.New("server did not stop within 25s of SIGTERM; killed")
	}
	var ee *exec.ExitError
	switch err := s.proc.Err(); {
	case err == nil:
		return nil
	case !errors.As(err, &ee):
		return err
	default:
		return fmt.Errorf("server exited with %v:\n%s", err, s.logTail(10))
	}
}

// logLine returns the rest of the first line of the server's log that starts with
// prefix ("" when there is none).
func (s *serverProc) logLine(prefix string) string {
	b, _ := os.ReadFile(s.logPath)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			return rest
		}
	}
	return ""
}

// logTail returns the last n lines of the server's log.
func (s *serverProc) logTail(n int) string { return childproc.LogTail(s.logPath, n, "server") }
