package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// benchDatabase is the database the bench creates, serves from and drops: its own
// per run (the process id), so two runs on one PostgreSQL server never drop each
// other's.
var benchDatabase = fmt.Sprintf("atrium_bench_%d", os.Getpid())

// databaseURL returns the admin URL with its database replaced by name. Both URL and
// keyword/value connection strings are accepted.
func databaseURL(admin, name string) (string, error) {
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		u, err := url.Parse(admin)
		if err != nil {
			return "", fmt.Errorf("DATABASE_URL: %w", err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	// In keyword/value strings a later keyword wins.
	return admin + " dbname=" + name, nil
}

func adminExec(ctx context.Context, adminURL string, sqls ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("admin connection: %w", err)
	}
	defer conn.Close(context.Background())
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	return nil
}

// recreateDatabase drops the bench database if a run of the same process id left it,
// and creates it.
func recreateDatabase(ctx context.Context, adminURL string) error {
	return adminExec(ctx, adminURL,
		`DROP DATABASE IF EXISTS `+benchDatabase+` WITH (FORCE)`,
		`CREATE DATABASE `+benchDatabase)
}

func dropDatabase(ctx context.Context, adminURL string) error {
	return adminExec(ctx, adminURL, `DROP DATABASE IF EXISTS `+benchDatabase+` WITH (FORCE)`)
}
