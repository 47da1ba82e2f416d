package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// "Sorry, that user already exists" tells an organisation owner that an email belongs
// to someone. The answer is needed (the owner can then open or add that user), so it
// is given, but each one is audited in the organisation and an owner gets at most
// ExistsProbeLimit of them in ExistsProbeWindow; after that creating users answers
// ETOOMANY until the window ends, whatever the email, so the refusal reveals nothing.
const (
	ExistsProbeLimit  = 10
	ExistsProbeWindow = 10 * time.Minute
)

// errUserExists marks, inside CreateOrgUser's transaction, that the email is taken;
// answerExists turns it into the answer once that transaction has rolled back.
var errUserExists = errors.New("app: user exists")

func existsProbeKey(userID int64) string { return "exists-probe:" + strconv.FormatInt(userID, 10) }

// checkExistsProbes refuses with ETOOMANY while the owner has used up the answers of
// the current window.
func (a *App) checkExistsProbes(ctx context.Context, actor Actor) error {
	hits, left, err := a.store.RateLimitHits(ctx, existsProbeKey(actor.UserID), ExistsProbeWindow)
	if err != nil {
		return err
	}
	if hits >= ExistsProbeLimit {
		return tooManyProbes(left)
	}
	return nil
}

// answerExists gives the "already exists" answer for email in the organisation
// orgSlug: in a transaction of its own it counts the answer against the owner and
// writes the audit event "Users > Create > already exists > EMAIL". An answer beyond
// the limit records nothing and is ETOOMANY instead.
func (a *App) answerExists(ctx context.Context, actor Actor, orgSlug, email string) error {
	err := a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.OwnedOrganisation(ctx, actor.UserID, orgSlug)
		if err != nil {
			return err
		}
		hits, left, err := tx.HitRateLimit(ctx, existsProbeKey(actor.UserID), ExistsProbeWindow)
		if err != nil {
			return err
		}
		if hits > ExistsProbeLimit {
			return tooManyProbes(left)
		}
		return audit(ctx, tx, actor, "Users > Create > already exists > "+email, email, 0, o.ID)
	})
	if err != nil {
		return err
	}
	return domain.FieldError("email", "Sorry, that user already exists.")
}

func tooManyProbes(left time.Duration) error {
	return tooMany(fmt.Sprintf("You have tried %d emails that already belong to users in the last %d minutes, the most allowed.",
		ExistsProbeLimit, int(ExistsProbeWindow.Minutes())), left)
}

// DeleteStaleRateLimits forgets rate-limit windows long over; the server runs it
// periodically.
func (a *App) DeleteStaleRateLimits(ctx context.Context) (int64, error) {
	return a.store.DeleteStaleRateLimits(ctx)
}
