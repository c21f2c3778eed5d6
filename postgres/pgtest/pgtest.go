// Package pgtest gives tests a fresh, migrated PostgreSQL database on the
// cluster that `make test` starts.
//
// IPPO_TEST_DATABASE_URL points at a maintenance database of that cluster
// (e.g. postgres://postgres@127.0.0.1:55432/postgres). Without it the test is
// skipped, unless IPPO_TEST_REQUIRE_INFRA is set (as `make test` does), in
// which case it fails: the suite never passes by skipping.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo/postgres"
	"github.com/jackc/pgx/v5"
)

// URL returns the maintenance URL, skipping or failing t when it is unset.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("IPPO_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("IPPO_TEST_REQUIRE_INFRA") != "" {
			t.Fatal("IPPO_TEST_DATABASE_URL is not set; run the tests with `make test`")
		}
		t.Skip("IPPO_TEST_DATABASE_URL is not set; `make test` starts PostgreSQL and sets it")
	}
	return u
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// NewDatabase creates an empty migrated database for this test, drops it
// when the test ends, and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	templateOnce.Do(func() { templateName, templateErr = migratedTemplate(ctx, admin) })
	if templateErr != nil {
		t.Fatalf("prepare template database: %v", templateErr)
	}
	name := "ippo_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to test cluster: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, name, templateName)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	})
	return withDatabase(admin, name)
}

// New returns a store on a fresh migrated and seeded database.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	db, _ := NewWithURL(t)
	return db
}

// NewWithURL is New that also returns the database's URL, for a test that
// needs connections of its own (to hold a transaction open, or to seed).
func NewWithURL(t testing.TB) (*postgres.DB, string) {
	t.Helper()
	ctx := context.Background()
	url := NewDatabase(t)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	return db, url
}

// migratedTemplate creates (once per migration set) a database with every
// migration applied, to copy for each test.
func migratedTemplate(ctx context.Context, admin string) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(postgres.Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(postgres.Migrations(), path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", err
	}
	name := "ippo_template_" + hex.EncodeToString(h.Sum(nil))[:12]
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	// Test packages run in parallel processes: one creates the template, the
	// others wait on the same advisory lock.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7240002)`); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock(7240002)`)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_new"
	_, _ = conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q`, building))
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %q`, building)); err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, withDatabase(admin, building))
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %q RENAME TO %q`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}
