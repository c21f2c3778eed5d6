package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations is the folder of numbered SQL files, at the root of an FS.
var migrations, _ = fs.Sub(migrationFiles, "migrations")

// DB is Ippo's store.
type DB struct {
	pool *pgxpool.Pool
	// now is the clock for timestamps the store sets itself; tests replace it.
	now func() time.Time
	// matchRows is how many candidates the last ranking read returned: the
	// next one makes room for as many at once.
	matchRows atomic.Int64
}

// Open returns a store for the database at url. It does not connect until
// first used, so a process can start while PostgreSQL is still coming up.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "ippo"
	cfg.ConnConfig.RuntimeParams["timezone"] = "Asia/Tokyo"
	// Short statements over indexes: compiling one with JIT (the default
	// above a plan cost of 100,000, which the ranking's read over 12,000
	// workers passes) costs more than it saves, about 60 ms a ranking.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return &DB{pool: pool, now: time.Now}, nil
}

func (db *DB) Close() { db.pool.Close() }

// Ping checks that PostgreSQL answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Migrate applies every migration not yet applied. Concurrent callers wait
// for each other through an advisory lock.
func (db *DB) Migrate(ctx context.Context) ([]*goose.MigrationResult, error) {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate: %w", err)
	}
	return res, nil
}

// Migrations returns the embedded migration files.
func Migrations() fs.FS { return migrations }

// inTx runs fn in a transaction, committing if it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ippo.Errorf(ippo.ENOTFOUND, format, args...)
	}
	return err
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// violates reports whether err is a unique violation of the named index.
func violates(err error, index string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == index
}

// date converts a domain date for a date column (NULL when zero). Dates
// travel as UTC midnights, which pgx reads and writes without shifting.
func date(d ippo.Date) pgtype.Date {
	if d.IsZero() {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC), Valid: true}
}

// fromDate converts a scanned nullable date column.
func fromDate(d pgtype.Date) ippo.Date {
	if !d.Valid {
		return ippo.Date{}
	}
	return ippo.Date{Year: d.Time.Year(), Month: d.Time.Month(), Day: d.Time.Day()}
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// CheckSchema reports an error while migrations are pending, so a process
// waits for `ippo migrate` instead of answering from a partial schema.
func (db *DB) CheckSchema(ctx context.Context) error {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations)
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if pending {
		return errors.New("database migrations are pending: run `ippo migrate`")
	}
	return nil
}

// CountRows counts a table's rows (for tests that prove a refused request
// changed nothing). table must be one of Ippo's own tables.
func (db *DB) CountRows(ctx context.Context, table string) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n)
	return n, err
}

// TableDigests returns, for every table of the schema (read from the
// catalog, so a table added by a later migration is included without a
// change here), its row count and a digest of its rows' contents, for tests
// that prove a refused request changed nothing, not even a value in place.
// ignore names columns left out of a table's digest (bookkeeping such as a
// token's last use); a table listed with no columns is left out entirely.
func (db *DB) TableDigests(ctx context.Context, ignore map[string][]string) (map[string]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	out := make(map[string]string, len(tables))
	for _, t := range tables {
		cols, listed := ignore[t]
		if listed && len(cols) == 0 {
			continue
		}
		if cols == nil {
			cols = []string{}
		}
		var n int
		var digest string
		q := `SELECT count(*), coalesce(md5(string_agg(x, E'\n' ORDER BY x)), '')
			FROM (SELECT (to_jsonb(r) - $1::text[])::text AS x FROM ` + pgx.Identifier{t}.Sanitize() + ` r) rows`
		if err := db.pool.QueryRow(ctx, q, cols).Scan(&n, &digest); err != nil {
			return nil, fmt.Errorf("digest %s: %w", t, err)
		}
		out[t] = fmt.Sprintf("%d rows, md5 %s", n, digest)
	}
	return out, nil
}

// daysOf returns the first and last day of month, or every day there is
// when month is nil (a list of all months).
func daysOf(month *ippo.YearMonth) (first, last ippo.Date) {
	if month == nil {
		return ippo.Date{Year: 1, Month: 1, Day: 1}, ippo.Date{Year: 9999, Month: 12, Day: 31}
	}
	return month.First(), month.Last()
}
