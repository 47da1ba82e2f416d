// Package pgcluster runs a private PostgreSQL cluster for soak runs and tests: initdb
// into a fresh data directory under /var/tmp, the server as a child process on a free
// loopback port (TCP only, trust authentication for user postgres), stopped and
// started again at will (a restart touches nothing else on the machine), and removed
// with its data at the end. The server programs come from the machine's PostgreSQL
// (Debian keeps them in /usr/lib/postgresql/*/bin; ATRIUM_PG_BIN names another
// directory). When run as root the cluster runs as the postgres user, which PostgreSQL
// requires.
//
// The server process is started with a parent-death signal (SIGQUIT, PostgreSQL's
// immediate shutdown), so a soak or test that is killed does not leave it running.
// New removes data directories left behind by such runs: each directory's name holds
// the process id of its owner, and one whose owner is gone and whose server is not
// running is deleted.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"atrium/internal/childproc"
)

// EnvBin names a directory with initdb and postgres, instead of the newest
// /usr/lib/postgresql/*/bin.
const EnvBin = "ATRIUM_PG_BIN"

// Root is where data directories are made. /var/tmp rather than /tmp: a temporary
// directory of a test is private to its (root) owner, and the postgres user must be able
// to enter the data directory.
const Root = "/var/tmp"

// Options say what cluster New makes.
type Options struct {
	// Prefix names the data directory: Root/Prefix-<pid>-<random>.
	Prefix string
	// Durable keeps PostgreSQL's durability settings (fsync, synchronous_commit and
	// full_page_writes on), as in production. Off, the cluster is faster and a crash of
	// the machine may lose it, which is fine for a throwaway test cluster.
	Durable bool
	// MaxConnections is max_connections (default 200).
	MaxConnections int
}

// Mode is how Stop shuts the server down (pg_ctl stop -m …).
type Mode int

// The shutdown modes.
const (
	Fast      Mode = iota // SIGINT: roll back open transactions, disconnect, checkpoint
	Immediate             // SIGQUIT: no checkpoint; WAL recovery at the next start, as after a crash
)

// Cluster is a private PostgreSQL cluster.
type Cluster struct {
	Bin  string // directory of initdb and postgres
	Dir  string // data directory
	Port int    // on 127.0.0.1

	cred    *syscall.Credential // the postgres user when we are root
	logPath string

	mu   sync.Mutex
	proc *childproc.Proc // nil while stopped
}

// FindBin returns the directory of the server programs: $ATRIUM_PG_BIN, else the
// newest /usr/lib/postgresql/*/bin holding initdb and postgres.
func FindBin() (string, error) {
	if d := os.Getenv(EnvBin); d != "" {
		if !isExec(filepath.Join(d, "initdb")) || !isExec(filepath.Join(d, "postgres")) {
			return "", fmt.Errorf("%s=%s holds no initdb and postgres", EnvBin, d)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server programs in /usr/lib/postgresql/*/bin: install the postgresql package (make test does when root), or set " + EnvBin)
}

func version(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// New makes a cluster with initdb in a fresh data directory and starts it. Call Remove
// when done.
func New(ctx context.Context, o Options) (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	if o.Prefix == "" {
		o.Prefix = "atrium-pg"
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = 200
	}
	childproc.SweepPIDDirs(Root, o.Prefix, func(dir string) bool { return serverRunning(filepath.Join(dir, "data")) })
	c := &Cluster{Bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	if c.Dir, err = childproc.MkdirPID(Root, o.Prefix); err != nil {
		return nil, err
	}
	c.logPath = filepath.Join(c.Dir, "server.log")
	data := filepath.Join(c.Dir, "data")
	fail := func(err error) (*Cluster, error) {
		_ = os.RemoveAll(c.Dir)
		return nil, err
	}
	if c.cred != nil {
		if err := os.Chown(c.Dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fail(err)
		}
	}
	args := []string{"-D", data, "--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"}
	if !o.Durable {
		args = append(args, "--no-sync")
	}
	initdb := c.command(ctx, "initdb", args...)
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %w\n%s", err, out))
	}
	if c.Port, err = childproc.FreePort(); err != nil {
		return fail(err)
	}
	durable := "on"
	if !o.Durable {
		durable = "off"
	}
	conf := fmt.Sprintf(`
# Private cluster made by atrium's internal/pgcluster.
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = ''
max_connections = %d
fsync = %s
synchronous_commit = %s
full_page_writes = %s
`, c.Port, o.MaxConnections, durable, durable, durable)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fail(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	if err := c.Start(ctx); err != nil {
		return fail(err)
	}
	return c, nil
}

// postgresUser is the credential of the postgres system user.
func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, the cluster must run as user postgres: %w (the postgresql package creates it)", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// command runs one of the cluster's programs as the cluster's owner.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.Bin, name), args...)
	cmd.Dir = "/"
	cmd.Env = []string{"LC_ALL=C", "PATH=/usr/bin:/bin"}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// URL is the address of database db on the cluster, as user postgres.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// Start starts the server and waits (at most a minute) until it accepts connections.
func (c *Cluster) Start(ctx context.Context) error {
	c.mu.Lock()
	if c.proc != nil {
		c.mu.Unlock()
		return errors.New("pgcluster: already running")
	}
	cmd := exec.Command(filepath.Join(c.Bin, "postgres"), "-D", filepath.Join(c.Dir, "data"))
	cmd.Dir = "/"
	cmd.Env = []string{"LC_ALL=C"}
	// Immediate shutdown when we die: the server never outlives its soak or test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGQUIT}
	proc, err := childproc.Start(cmd, c.logPath)
	if err != nil {
		c.mu.Unlock()
		return fmt.Errorf("start postgres: %w", err)
	}
	c.proc = proc
	c.mu.Unlock()
	deadline := time.Now().Add(time.Minute)
	for {
		if err := c.ping(ctx); err == nil {
			return nil
		} else if time.Now().After(deadline) || ctx.Err() != nil {
			_ = c.Stop(Immediate)
			return fmt.Errorf("postgres does not accept connections on 127.0.0.1:%d: %v\n%s", c.Port, err, c.LogTail(15))
		}
		select {
		case <-proc.Exited():
			c.mu.Lock()
			c.proc = nil
			c.mu.Unlock()
			return fmt.Errorf("postgres exited at start:\n%s", c.LogTail(15))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}

// Stop shuts the server down in mode and waits for it to exit (a minute at most, then
// it is killed). Stopping a stopped cluster does nothing.
func (c *Cluster) Stop(mode Mode) error {
	c.mu.Lock()
	proc := c.proc
	c.mu.Unlock()
	if proc == nil {
		return nil
	}
	sig := syscall.SIGINT
	if mode == Immediate {
		sig = syscall.SIGQUIT
	}
	var err error
	if proc.Stop(sig, time.Minute) {
		err = errors.New("pgcluster: postgres did not stop within a minute; killed")
	}
	c.mu.Lock()
	c.proc = nil
	c.mu.Unlock()
	return err
}

// CreateDatabase creates database name.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// Remove stops the server at once and deletes the data directory.
func (c *Cluster) Remove() error {
	err := c.Stop(Immediate)
	if rerr := os.RemoveAll(c.Dir); err == nil {
		err = rerr
	}
	return err
}

// LogTail is the last n lines of the server's log.
func (c *Cluster) LogTail(n int) string { return childproc.LogTail(c.logPath, n, "server") }

// serverRunning reports whether the postmaster.pid in data names a live postgres.
func serverRunning(data string) bool {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || !childproc.Alive(pid) {
		return false
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(comm)) == "postgres"
}
