package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/childproc"
)

// clockTick is the unit of /proc CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuMeter reads the CPU time of the server, of the PostgreSQL backends serving the
// bench database, of the bench itself and of the whole host.
type cpuMeter struct {
	serverPID int
	pool      *pgxpool.Pool // on the bench database, to list its backends
}

// cpuSnapshot is the CPU time spent so far by each party.
type cpuSnapshot struct {
	at        time.Time
	server    time.Duration
	db        map[int]time.Duration // per backend pid
	bench     time.Duration
	hostBusy  time.Duration
	hostTotal time.Duration
}

func (m cpuMeter) take() cpuSnapshot {
	s := cpuSnapshot{at: time.Now(), bench: selfCPU(), db: map[int]time.Duration{}}
	s.server = childproc.CPUTime(m.serverPID)
	for _, pid := range m.backends() {
		s.db[pid] = childproc.CPUTime(pid)
	}
	s.hostBusy, s.hostTotal = hostCPU()
	return s
}

// backends lists the pids of the PostgreSQL backends connected to the bench database
// other than the bench's own connections (readable only when PostgreSQL runs on this
// host; an empty list otherwise).
func (m cpuMeter) backends() []int {
	if m.pool == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, _ := m.pool.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> $1`, benchAppName)
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil
	}
	out := make([]int, len(pids))
	for i, p := range pids {
		out[i] = int(p)
	}
	return out
}

// cpuUsage is what happened between two snapshots, in cores (CPU seconds per second).
type cpuUsage struct {
	wall     time.Duration
	server   float64
	db       float64 // PostgreSQL backends of the server's pool
	dbSeen   bool    // whether db could be read
	bench    float64
	others   float64 // everything else on the host
	hostBusy float64 // share of all CPUs busy, 0..1
	ok       bool
}

func (a cpuSnapshot) to(b cpuSnapshot) cpuUsage {
	wall := b.at.Sub(a.at)
	if wall <= 0 {
		return cpuUsage{}
	}
	cores := func(d time.Duration) float64 { return d.Seconds() / wall.Seconds() }
	u := cpuUsage{wall: wall, server: cores(b.server - a.server), bench: cores(b.bench - a.bench), ok: true}
	var db time.Duration
	for pid, t := range b.db {
		if t > 0 {
			u.dbSeen = true
		}
		db += t - a.db[pid] // a backend started during the window counts whole
	}
	u.db = cores(db)
	busy, total := b.hostBusy-a.hostBusy, b.hostTotal-a.hostTotal
	if total > 0 {
		u.hostBusy = float64(busy) / float64(total)
		u.others = max(cores(busy)-u.server-u.db-u.bench, 0)
	}
	return u
}

func (u cpuUsage) String() string {
	if !u.ok {
		return "CPU use unknown"
	}
	db := "PostgreSQL backends unknown"
	if u.dbSeen {
		db = fmt.Sprintf("its PostgreSQL backends %.2f", u.db)
	}
	return fmt.Sprintf("CPU cores used: server %.2f, %s, bench %.2f, other processes %.2f (host %.0f%% busy)",
		u.server, db, u.bench, u.others, u.hostBusy*100)
}

// selfCPU is the bench process's user and system time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// hostCPU is the busy and total time of all CPUs from /proc/stat.
func hostCPU() (busy, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	var idle int64
	// user nice system idle iowait irq softirq steal (guest time is inside user).
	for i, v := range f[1:min(len(f), 9)] {
		n, _ := strconv.ParseInt(v, 10, 64)
		total += time.Duration(n) * clockTick
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return total - time.Duration(idle)*clockTick, total
}

// cpuWindow measures CPU use from the end of a run's warm-up to its end.
type cpuWindow struct {
	m     cpuMeter
	first chan cpuSnapshot
	timer *time.Timer
}

func (m cpuMeter) window(warmup time.Duration) *cpuWindow {
	w := &cpuWindow{m: m, first: make(chan cpuSnapshot, 1)}
	w.timer = time.AfterFunc(warmup, func() { w.first <- m.take() })
	return w
}

func (w *cpuWindow) stop() cpuUsage {
	end := w.m.take()
	if w.timer.Stop() {
		return cpuUsage{}
	}
	return (<-w.first).to(end)
}

// settle waits, at most limit, until the host is quiet: over one second the other
// processes used less than contendedCores and the server (having finished the previous
// run) less than a tenth of a core. Measurements on a shared host are otherwise skewed
// by whatever else runs. It says how that went.
func (m cpuMeter) settle(ctx context.Context, limit time.Duration) {
	if limit <= 0 {
		return
	}
	start := time.Now()
	var u cpuUsage
	for {
		a := m.take()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		u = a.to(m.take())
		if u.others < contendedCores && u.server < 0.1 {
			fmt.Printf("  host quiet after %s (other processes %.2f cores)\n", time.Since(start).Round(time.Second), u.others)
			return
		}
		if time.Since(start) >= limit {
			fmt.Printf("  host still busy after %s (other processes %.2f cores, server %.2f): measuring anyway\n",
				time.Since(start).Round(time.Second), u.others, u.server)
			return
		}
	}
}
