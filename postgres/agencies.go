package postgres

import (
	"context"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

const agencyColumns = `id::text, name, kind, email, description, created_at`

func scanAgency(row pgx.CollectableRow) (ippo.Agency, error) {
	var a ippo.Agency
	err := row.Scan(&a.ID, &a.Name, &a.Kind, &a.Email, &a.Description, &a.CreatedAt)
	return a, err
}

// Agencies lists partner agencies by name.
func (db *DB) Agencies(ctx context.Context) ([]ippo.Agency, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+agencyColumns+` FROM agencies ORDER BY created_at, name`)
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	return pgx.CollectRows(rows, scanAgency)
}

// Agency returns one agency, or ENOTFOUND.
func (db *DB) Agency(ctx context.Context, id string) (ippo.Agency, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE id = $1`, id)
	if err != nil {
		return ippo.Agency{}, err
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanAgency)
	return a, notFound(err, "no agency %s", id)
}

// CreateAgency records a partner agency; a second agency with the same name is an ECONFLICT.
func (db *DB) CreateAgency(ctx context.Context, a ippo.Agency) (ippo.Agency, error) {
	rows, err := db.pool.Query(ctx, `
		INSERT INTO agencies (id, name, kind, email, description, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING `+agencyColumns, a.ID, a.Name, a.Kind, a.Email, a.Description, db.now())
	if err == nil {
		a, err = pgx.CollectExactlyOneRow(rows, scanAgency)
	}
	if isUniqueViolation(err) {
		return a, &ippo.Error{Code: ippo.ECONFLICT, Message: "an agency with this name already exists",
			Fields: []ippo.FieldError{{Field: "name", Message: "is already used by another agency"}}}
	}
	if err != nil {
		return a, fmt.Errorf("create agency: %w", err)
	}
	return a, nil
}
