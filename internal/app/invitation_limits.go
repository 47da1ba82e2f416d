package app

import (
	"context"
	"time"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// Invitation emails (first sends and resends) are rate-limited so that Atrium is
// nobody's mail relay: per sender across all accounts, and per account across all
// senders, over a sliding hour. The sends are counted in PostgreSQL, so every instance
// sees the same counts.
const (
	InvitesPerSenderPerHour  = 20
	InvitesPerAccountPerHour = 100
	inviteWindow             = time.Hour
)

// takeSendAllowance refuses one more invitation email from senderID for acc when
// either has used its allowance for the hour (ETOOMANY, naming the wait), and records
// the send otherwise. The caller holds acc's row lock, which serialises the account's
// sends; the sender's are serialised here until the transaction ends.
func (a *App) takeSendAllowance(ctx context.Context, tx *store.Tx, acc domain.Account, senderID int64) error {
	if err := tx.LockInvitationSender(ctx, senderID); err != nil {
		return err
	}
	now := a.now()
	limit := max(InvitesPerSenderPerHour, InvitesPerAccountPerHour)
	bySender, byAccount, err := tx.RecentInvitationSends(ctx, senderID, acc.ID, now.Add(-inviteWindow), limit)
	if err != nil {
		return err
	}
	if len(bySender) >= InvitesPerSenderPerHour {
		wait := bySender[InvitesPerSenderPerHour-1].Add(inviteWindow).Sub(now)
		return tooManySends("You have sent "+itoa(InvitesPerSenderPerHour)+" invitations in the last hour, the most one person may send.", wait)
	}
	if len(byAccount) >= InvitesPerAccountPerHour {
		wait := byAccount[InvitesPerAccountPerHour-1].Add(inviteWindow).Sub(now)
		return tooManySends(acc.Name+" has sent "+itoa(InvitesPerAccountPerHour)+" invitations in the last hour, the most one account may send.", wait)
	}
	return tx.RecordInvitationSend(ctx, acc.ID, senderID, now)
}

// tooManySends is the ETOOMANY answer to a send over a limit, saying when the next
// send can go.
func tooManySends(why string, wait time.Duration) error {
	wait = max(wait, time.Second)
	return &domain.Error{Code: domain.ETOOMANY, RetryAfter: wait, Message: why + " You can send the next one in " + waitText(wait) + "."}
}
