// Package migrations holds the SQL schema as goose migration files, embedded in the binary.
package migrations

import "embed"

// FS holds every NNNNN_name.sql migration.
//
//go:embed *.sql
var FS embed.FS
