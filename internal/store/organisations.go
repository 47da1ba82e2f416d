package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// CreateOrganisation inserts an organisation; a used slug gives ECONFLICT.
func (q Q) CreateOrganisation(ctx context.Context, slug, name string) (domain.Organisation, error) {
	var o domain.Organisation
	err := q.db.QueryRow(ctx, `INSERT INTO organisations (slug, name) VALUES ($1, $2) RETURNING id, slug, name`, slug, name).
		Scan(&o.ID, &o.Slug, &o.Name)
	return o, mapErr(err)
}

// OrganisationBySlug returns an organisation, or ENOTFOUND.
func (q Q) OrganisationBySlug(ctx context.Context, slug string) (domain.Organisation, error) {
	var o domain.Organisation
	err := q.db.QueryRow(ctx, `SELECT id, slug, name FROM organisations WHERE slug = $1`, slug).Scan(&o.ID, &o.Slug, &o.Name)
	return o, mapErr(err)
}

// OwnedOrganisation returns the organisation when userID owns it; ENOTFOUND otherwise,
// so non-owners cannot tell whether it exists.
func (q Q) OwnedOrganisation(ctx context.Context, userID int64, slug string) (domain.Organisation, error) {
	var o domain.Organisation
	err := q.db.QueryRow(ctx, `SELECT o.id, o.slug, o.name FROM organisations o
		JOIN organisation_owners oo ON oo.organisation_id = o.id AND oo.user_id = $1
		WHERE o.slug = $2`, userID, slug).Scan(&o.ID, &o.Slug, &o.Name)
	return o, mapErr(err)
}

// RenameOrganisation changes an organisation's name.
func (q Q) RenameOrganisation(ctx context.Context, orgID int64, name string) error {
	_, err := q.db.Exec(ctx, `UPDATE organisations SET name = $2 WHERE id = $1`, orgID, name)
	return mapErr(err)
}

// ListOrganisations returns every organisation by name (staff console).
func (q Q) ListOrganisations(ctx context.Context) ([]domain.Organisation, error) {
	rows, _ := q.db.Query(ctx, `SELECT id, slug, name FROM organisations ORDER BY name, id`)
	return collect(rows, func(r pgx.CollectableRow) (domain.Organisation, error) {
		var o domain.Organisation
		return o, r.Scan(&o.ID, &o.Slug, &o.Name)
	})
}

// OwnedOrganisations returns the organisations userID owns, by name.
func (q Q) OwnedOrganisations(ctx context.Context, userID int64) ([]domain.Organisation, error) {
	rows, _ := q.db.Query(ctx, `SELECT o.id, o.slug, o.name FROM organisations o
		JOIN organisation_owners oo ON oo.organisation_id = o.id WHERE oo.user_id = $1 ORDER BY o.name`, userID)
	return collect(rows, func(r pgx.CollectableRow) (domain.Organisation, error) {
		var o domain.Organisation
		return o, r.Scan(&o.ID, &o.Slug, &o.Name)
	})
}

// AddOrganisationOwner makes userID an owner of orgID (and a listed member); adding an
// existing owner is a no-op.
func (q Q) AddOrganisationOwner(ctx context.Context, orgID, userID int64) error {
	if err := q.AddOrganisationMember(ctx, orgID, userID); err != nil {
		return err
	}
	_, err := q.db.Exec(ctx, `INSERT INTO organisation_owners (organisation_id, user_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, orgID, userID)
	return mapErr(err)
}

// RemoveOrganisationOwner removes an owner; removing the last one gives EINVARIANT.
func (q Q) RemoveOrganisationOwner(ctx context.Context, orgID, userID int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM organisation_owners WHERE organisation_id = $1 AND user_id = $2`, orgID, userID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "That user is not an owner of this organisation.")
	}
	return nil
}

// OrganisationOwnerCount returns how many owners an organisation has.
func (q Q) OrganisationOwnerCount(ctx context.Context, orgID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM organisation_owners WHERE organisation_id = $1`, orgID).Scan(&n)
	return n, mapErr(err)
}

// OwnerCounts returns how many owners each organisation has (those with none are absent).
func (q Q) OwnerCounts(ctx context.Context) (map[int64]int, error) {
	rows, _ := q.db.Query(ctx, `SELECT organisation_id, count(*) FROM organisation_owners GROUP BY organisation_id`)
	out := map[int64]int{}
	var org int64
	var n int
	_, err := pgx.ForEachRow(rows, []any{&org, &n}, func() error {
		out[org] = n
		return nil
	})
	return out, mapErr(err)
}

// AddOrganisationMember lists userID on the organisation's Users page.
func (q Q) AddOrganisationMember(ctx context.Context, orgID, userID int64) error {
	_, err := q.db.Exec(ctx, `INSERT INTO organisation_members (organisation_id, user_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, orgID, userID)
	return mapErr(err)
}

func collect[T any](rows pgx.Rows, fn func(pgx.CollectableRow) (T, error)) ([]T, error) {
	out, err := pgx.CollectRows(rows, fn)
	return out, mapErr(err)
}
