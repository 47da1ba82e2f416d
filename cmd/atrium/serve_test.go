package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/mailtest"
	"atrium/internal/pgtest"
)

// TestRun_ServeRefusesWithoutMailDelivery: a server with neither SMTP_URL nor
// ATRIUM_DEV has no way to deliver email and does not start; nor with an SMTP_URL it
// cannot use.
func TestRun_ServeRefusesWithoutMailDelivery(t *testing.T) {
	for env, want := range map[string]map[string]string{
		"SMTP_URL":                {"DATABASE_URL": "postgres://127.0.0.1:1/none", "ATRIUM_SECRET_KEY": testKey},
		"scheme must be smtp://":  {"DATABASE_URL": "postgres://127.0.0.1:1/none", "ATRIUM_SECRET_KEY": testKey, "SMTP_URL": "http://mail.example"},
		"ATRIUM_MAIL_FROM":        {"DATABASE_URL": "postgres://127.0.0.1:1/none", "ATRIUM_SECRET_KEY": testKey, "SMTP_URL": "smtp://mail.example", "ATRIUM_MAIL_FROM": "nobody"},
		"use tls=starttls or tls": {"DATABASE_URL": "postgres://127.0.0.1:1/none", "ATRIUM_DEV": "1", "SMTP_URL": "smtp://mail.example?tls=yes"},
	} {
		err := run(context.Background(), []string{"serve"}, func(k string) string { return want[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("serve with %v: %v, want an error about %s", want, err, env)
		}
	}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey}[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SMTP_URL") || !strings.Contains(err.Error(), "ATRIUM_DEV") {
		t.Errorf("the refusal does not name the development mailbox: %v", err)
	}
}

// proc is an atrium serve process.
type proc struct {
	t         *testing.T
	cmd       *exec.Cmd
	mu        sync.Mutex
	out       bytes.Buffer
	listening chan struct{}
	done      chan struct{}
}

// built is the binary buildAtrium made once for every test of the package, in a
// directory TestMain removes.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildAtrium builds this command (once per test binary) and returns its path.
func buildAtrium(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "atrium-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "atrium")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// serveProc starts atrium serve with env and waits until it listens.
func serveProc(t *testing.T, bin string, env []string) *proc {
	t.Helper()
	p := startProc(t, bin, env)
	p.waitListening()
	return p
}

// startProc starts atrium serve with env; it is killed when the test ends.
func startProc(t *testing.T, bin string, env []string) *proc {
	t.Helper()
	p := &proc{t: t, cmd: exec.Command(bin, "serve"), listening: make(chan struct{}), done: make(chan struct{})}
	p.cmd.Env = env
	// Killed with the test binary, should it die before the cleanup runs.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r, w := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if strings.HasPrefix(sc.Text(), "Atrium is listening") {
				once.Do(func() { close(p.listening) })
			}
		}
	}()
	go func() {
		_ = p.cmd.Wait()
		_ = w.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of atrium serve (pid %d):\n%s", p.cmd.Process.Pid, p.output())
		}
	})
	return p
}

// waitListening waits (at most a minute) until the process listens.
func (p *proc) waitListening() {
	p.t.Helper()
	select {
	case <-p.listening:
	case <-p.done:
		p.t.Fatalf("atrium serve exited before listening:\n%s", p.output())
	case <-time.After(60 * time.Second):
		p.t.Fatalf("atrium serve did not listen within a minute:\n%s", p.output())
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// stop sends sig and waits (at most timeout) for the process to end.
func (p *proc) stop(sig syscall.Signal, timeout time.Duration) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("atrium serve did not end within %s of %v", timeout, sig)
	}
}

// TestServe_KilledBeforeDeliveryDeliversOnceAfterRestart: staff appoint a new owner,
// which commits the change with its set-password email; the server's worker is stuck
// in the SMTP conversation (the server hangs before DATA) when the process is killed
// with SIGKILL. A new process, with the mail server healthy again, rescues the job and
// delivers the message exactly once, under the outbox's Message-ID.
func TestServe_KilledBeforeDeliveryDeliversOnceAfterRestart(t *testing.T) {
	t.Parallel()
	bin := buildAtrium(t)
	_, dbURL := pgtest.New(t)
	smtp := mailtest.Start(t)
	smtp.SetMode(mailtest.Hang)
	env := []string{"DATABASE_URL=" + dbURL, "ATRIUM_SECRET_KEY=" + testKey, "ATRIUM_ADDR=127.0.0.1:0", "ATRIUM_BASE_URL=http://127.0.0.1:9",
		"SMTP_URL=" + smtp.URL(), "ATRIUM_MAIL_RESCUE_AFTER=6s", "PATH=" + os.Getenv("PATH")}
	first := serveProc(t, bin, env)

	cliEnv := map[string]string{"DATABASE_URL": dbURL, "ATRIUM_SECRET_KEY": testKey, "ATRIUM_BASE_URL": "http://127.0.0.1:9"}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"staff", "create-org", "--name", "Hooli"}, func(k string) string { return cliEnv[k] }, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"staff", "appoint-owner", "--org", "hooli", "--email", "gavin@hooli.test"},
		func(k string) string { return cliEnv[k] }, &out); err != nil {
		t.Fatalf("appoint-owner: %v\n%s", err, out.String())
	}
	smtp.WaitHanging(60 * time.Second)
	first.stop(syscall.SIGKILL, 30*time.Second)

	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var messageID, status string
	var attempts int
	if err := pool.QueryRow(context.Background(), `SELECT message_id, status, attempts FROM mail_outbox WHERE to_address = 'gavin@hooli.test'`).
		Scan(&messageID, &status, &attempts); err != nil {
		t.Fatal(err)
	}
	if status != "queued" || attempts != 1 || len(smtp.Messages()) != 0 {
		t.Fatalf("after the kill: %s after %d attempts, %d delivered; want queued, 1, 0", status, attempts, len(smtp.Messages()))
	}

	smtp.SetMode(mailtest.Accept)
	second := serveProc(t, bin, env)
	got := smtp.WaitTo("gavin@hooli.test", 2*time.Minute)
	if got.MessageID != messageID {
		t.Fatalf("delivered under Message-ID %q, want the outbox's %q", got.MessageID, messageID)
	}
	// Wait until the delivery is recorded and its job done: nothing may send it again.
	deadline := time.Now().Add(time.Minute)
	for {
		var pending int
		if err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM mail_outbox WHERE status <> 'sent') +
			(SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded'))`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery was not recorded within a minute:\n%s", second.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if msgs := smtp.Messages(); len(msgs) != 1 {
		t.Fatalf("%d deliveries, want exactly 1", len(msgs))
	}
	// The job was taken back from the killed process, not finished by it.
	var rescued bool
	if err := pool.QueryRow(context.Background(), `SELECT bool_or(errors::text LIKE '%Stuck job rescued%') FROM river_job`).Scan(&rescued); err != nil || !rescued {
		t.Fatalf("the job was not rescued (%v)", err)
	}
	second.stop(syscall.SIGTERM, 30*time.Second)
	if code := second.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("atrium serve exited %d after SIGTERM:\n%s", code, second.output())
	}
}
