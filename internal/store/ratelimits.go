package store

import (
	"context"
	"time"
)

// A rate limit counts hits under a key in fixed windows: the first hit starts a window
// of the given length, and the first hit after it has passed starts the next one.

// RateLimitHits returns how many hits key has in its current window and how long until
// that window ends; no window running gives 0 hits.
func (q Q) RateLimitHits(ctx context.Context, key string, window time.Duration) (int, time.Duration, error) {
	var hits int
	var left float64
	err := q.db.QueryRow(ctx, `SELECT hits, extract(epoch FROM window_start + make_interval(secs => $2) - now())::float8
		FROM rate_limits WHERE key = $1 AND window_start > now() - make_interval(secs => $2)`, key, window.Seconds()).Scan(&hits, &left)
	if IsNotFound(mapErr(err)) {
		return 0, 0, nil
	}
	return hits, seconds(left), mapErr(err)
}

// HitRateLimit counts one hit under key, in the current window or a new one, and
// returns the hits in that window, this one included, and how long until it ends.
func (q Q) HitRateLimit(ctx context.Context, key string, window time.Duration) (int, time.Duration, error) {
	var hits int
	var left float64
	err := q.db.QueryRow(ctx, `INSERT INTO rate_limits AS r (key, hits, window_start) VALUES ($1, 1, now())
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE r.hits + 1 END,
			window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN now() ELSE r.window_start END
		RETURNING hits, extract(epoch FROM window_start + make_interval(secs => $2) - now())::float8`,
		key, window.Seconds()).Scan(&hits, &left)
	return hits, seconds(left), mapErr(err)
}

// DeleteStaleRateLimits forgets windows that ended more than a day ago.
func (q Q) DeleteStaleRateLimits(ctx context.Context) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'`)
	return tag.RowsAffected(), mapErr(err)
}

func seconds(s float64) time.Duration { return max(time.Duration(s*float64(time.Second)), 0) }
