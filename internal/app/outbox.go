package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// SetDevMailbox opens (or closes) the development mailbox: on a development machine
// without an SMTP server, email is delivered there and read through DevMailbox.
func (a *App) SetDevMailbox(on bool) { a.devMailbox = on }

// DevMailboxPageSize is how many messages one page of the development mailbox lists.
const DevMailboxPageSize = 50

// DevMailbox lists page (from 1) of the messages delivered to the development mailbox,
// newest first, and whether more follow. ENOTFOUND unless the mailbox is open.
func (a *App) DevMailbox(ctx context.Context, page int) ([]domain.OutboundMail, bool, error) {
	if !a.devMailbox {
		return nil, false, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	page = max(page, 1)
	list, err := a.store.DevMailbox(ctx, DevMailboxPageSize+1, (page-1)*DevMailboxPageSize)
	if err != nil {
		return nil, false, err
	}
	more := len(list) > DevMailboxPageSize
	if more {
		list = list[:DevMailboxPageSize]
	}
	return list, more, nil
}

// DevMessage returns one message of the development mailbox. ENOTFOUND unless the
// mailbox is open and holds it.
func (a *App) DevMessage(ctx context.Context, id int64) (domain.OutboundMail, error) {
	if !a.devMailbox {
		return domain.OutboundMail{}, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	m, err := a.store.DevMail(ctx, id)
	if store.IsNotFound(err) {
		return m, domain.Errorf(domain.ENOTFOUND, "No such message in the development mailbox.")
	}
	return m, err
}

// FailedMailLimit is how many failed messages the staff console lists.
const FailedMailLimit = 50

// FailedMail lists the messages whose delivery failed for good, newest first, with
// their last error (staff only).
func (a *App) FailedMail(ctx context.Context, actor Actor) ([]domain.OutboundMail, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	return a.store.FailedMail(ctx, FailedMailLimit)
}

// RetryMail puts a failed message back in the queue with a new delivery job, under
// the same Message-ID (staff only). ENOTFOUND when the message is not failed. Audited.
func (a *App) RetryMail(ctx context.Context, actor Actor, id int64) (domain.OutboundMail, error) {
	var m domain.OutboundMail
	if err := requireStaff(actor); err != nil {
		return m, err
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.RequeueFailedMail(ctx, id); err != nil {
			if store.IsNotFound(err) {
				return domain.Errorf(domain.ENOTFOUND, "That message is not waiting for a retry.")
			}
			return err
		}
		if err := a.mail.Retry(ctx, tx, m.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Staff > Email > Retry > "+m.To, m.Subject+" (#"+itoa(int(m.ID))+")", m.AccountID, 0)
	})
	return m, err
}
