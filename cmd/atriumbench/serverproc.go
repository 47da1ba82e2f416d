package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"atrium/internal/auth"
)

// serverProc is the atrium server running as a child process.
type serverProc struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	logPath string
	exited  chan struct{}
	waitErr error
}

// buildServer compiles cmd/atrium into dir and returns the binary's path.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "atrium")
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", bin, "./cmd/atrium")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/atrium: %w", err)
	}
	return bin, nil
}

// moduleRoot is the directory of the go.mod the bench runs in.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run atriumbench inside the atrium module (go run ./cmd/atriumbench)")
	}
	return filepath.Dir(mod), nil
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer runs "atrium serve" against databaseURL with demo data, hashing passwords
// with impl and sealing two-factor secrets with secretKey (hex), and waits until
// /readyz answers 200. Its output goes to a log file in dir, server-<name>.log.
// extraEnv (KEY=value) is added to its environment.
func startServer(ctx context.Context, bin, databaseURL, dir string, impl auth.Impl, name, secretKey string, extraEnv ...string) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := &serverProc{base: "http://" + addr, logPath: filepath.Join(dir, "server-"+name+".log"), exited: make(chan struct{})}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(serverEnv(os.Environ()), "DATABASE_URL="+databaseURL, "ATRIUM_ADDR="+addr,
		"ATRIUM_BASE_URL="+s.base, "ATRIUM_DEV=1", "ATRIUM_HASH_IMPL="+string(impl), "ATRIUM_SECRET_KEY="+secretKey)
	s.cmd.Env = append(s.cmd.Env, extraEnv...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	// Own process group: a Ctrl-C reaches the bench, which then stops the server itself.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start server: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
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

func (s *serverProc) pid() int { return s.cmd.Process.Pid }

func (s *serverProc) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was ready (%v):\n%s", s.waitErr, s.logTail(20))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := client.Get(s.base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %s:\n%s", limit, s.logTail(20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// alive returns an error when the server has exited.
func (s *serverProc) alive() error {
	select {
	case <-s.exited:
		return fmt.Errorf("server exited during the run (%v):\n%s", s.waitErr, s.logTail(20))
	default:
		return nil
	}
}

// stop sends SIGTERM and waits for a graceful exit, killing after 25 s.
func (s *serverProc) stop() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-s.exited:
		var ee *exec.ExitError
		if s.waitErr != nil && !errors.As(s.waitErr, &ee) {
			return s.waitErr
		}
		if s.waitErr != nil {
			return fmt.Errorf("server exited with %v:\n%s", s.waitErr, s.logTail(10))
		}
		return nil
	case <-time.After(25 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("server did not stop within 25s of SIGTERM; killed")
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
func (s *serverProc) logTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no server log: " + err.Error() + ")"
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + string(bytes.Join(lines, []byte("\n  ")))
}
