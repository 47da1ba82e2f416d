package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"atrium/internal/store"
)

// Delivery says how the workers deliver the outbox.
type Delivery struct {
	// Transport hands messages over (TransportFor chooses it).
	Transport Transport
	// MaxAttempts is how many attempts one delivery job makes before the message is
	// failed (1 to 100; default 8). Staff's retry starts a new job.
	MaxAttempts int
	// RescueAfter is how long a delivery may run before the job queue's leader takes its
	// process for dead and retries it (default 5 minutes). One attempt gets at most half
	// of it, and at most a minute.
	RescueAfter time.Duration
	// RetryBase scales the wait between attempts (Backoff; default 1 s).
	RetryBase time.Duration
	// Workers is how many messages this process sends at once (default 16).
	Workers int
	// Poll is how often idle workers look for new jobs (default 200 ms): the longest a
	// message committed while the queue was empty waits to be picked up.
	Poll time.Duration
	// Log receives the workers' and the job queue's messages.
	Log *slog.Logger
}

// Defaults of Delivery, for fields left zero: the same as the configuration's
// (config.DefaultMail…), which atrium serve passes in.
const (
	defaultMaxAttempts = 8
	defaultRescueAfter = 5 * time.Minute
	defaultWorkers     = 16
	defaultPoll        = 200 * time.Millisecond
)

// fetchCooldown is the least time between two looks for jobs while the workers are
// busy (each finished delivery asks for another look): with Workers at 16 it lets
// several hundred messages a second through, and costs at most 50 small queries a
// second while a burst lasts.
const fetchCooldown = 20 * time.Millisecond

// Workers deliver the outbox in the background until stopped.
type Workers struct {
	client *river.Client[pgx.Tx]
}

// Start starts the delivery workers over pool (OpenPool makes one of their own). The
// job queue's maintenance (rescuing
// jobs whose process died, scheduling retries, pruning old jobs) runs in the one
// process elected leader among all that run workers on the database.
func Start(ctx context.Context, pool *pgxpool.Pool, st *store.Store, d Delivery) (*Workers, error) {
	if d.Transport == nil {
		return nil, ErrNoTransport
	}
	if d.MaxAttempts == 0 {
		d.MaxAttempts = defaultMaxAttempts
	}
	if d.MaxAttempts < 1 || d.MaxAttempts > jobAttemptCeiling {
		return nil, errors.New("mail: MaxAttempts must be between 1 and 100")
	}
	if d.RescueAfter <= 0 {
		d.RescueAfter = defaultRescueAfter
	}
	if d.RetryBase <= 0 {
		d.RetryBase = time.Second
	}
	if d.Workers <= 0 {
		d.Workers = defaultWorkers
	}
	if d.Poll <= 0 {
		d.Poll = defaultPoll
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &sendWorker{store: st, transport: d.Transport, maxAttempts: d.MaxAttempts,
		retryBase: d.RetryBase, log: d.Log}); err != nil {
		return nil, err
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:               map[string]river.QueueConfig{queueName: {MaxWorkers: d.Workers}},
		Workers:              workers,
		JobTimeout:           min(time.Minute, d.RescueAfter/2),
		RescueStuckJobsAfter: d.RescueAfter,
		MaxAttempts:          jobAttemptCeiling,
		Logger:               d.Log,
		// Polling (new jobs within Poll) holds no connection for LISTEN: the workers'
		// pool stays small and holds nothing while idle.
		PollOnly:          true,
		FetchPollInterval: d.Poll,
		FetchCooldown:     min(d.Poll, fetchCooldown),
	})
	if err != nil {
		return nil, err
	}
	// The workers live until Stop, not until the caller's context ends.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	return &Workers{client: client}, nil
}

// OpenPool opens the delivery workers' own connection pool to databaseURL, sized for
// that many workers (PoolConns), its connections named "atrium mail" in
// pg_stat_activity unless the URL names them. Apart from the requests' pool, a burst of
// requests does not hold deliveries up waiting for a connection, and deliveries take
// none from requests.
func OpenPool(ctx context.Context, databaseURL string, workers int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = PoolConns(workers)
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "atrium mail"
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// PoolConns is the size of the delivery workers' pool: a connection for every four
// workers (each holds one only to claim a message and to record how it went, never
// while talking to the SMTP server), at least 2 and at most 8.
func PoolConns(workers int) int32 {
	return int32(min(max(workers/4, 2), 8))
}

// Stop lets running deliveries finish until ctx ends, then cancels them (a cancelled
// delivery is retried later, by this or another process).
func (w *Workers) Stop(ctx context.Context) error {
	err := w.client.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return w.client.StopAndCancel(hard)
	}
	return err
}
