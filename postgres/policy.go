package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// PolicyVersions returns every policy version, oldest first.
func (db *DB) PolicyVersions(ctx context.Context) ([]ippo.PolicyVersion, error) {
	rows, err := db.pool.Query(ctx, `SELECT effective_from, body FROM policy_versions ORDER BY effective_from`)
	if err != nil {
		return nil, fmt.Errorf("policy versions: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ippo.PolicyVersion, error) {
		var (
			v    ippo.PolicyVersion
			from pgtype.Date
			body []byte
		)
		if err := row.Scan(&from, &body); err != nil {
			return v, err
		}
		v.EffectiveFrom = fromDate(from)
		if err := json.Unmarshal(body, &v.Policy); err != nil {
			return v, fmt.Errorf("policy of %s: %w", v.EffectiveFrom, err)
		}
		return v, nil
	})
}

// PolicyAt returns the policy in force on d.
func (db *DB) PolicyAt(ctx context.Context, d ippo.Date) (ippo.Policy, error) {
	versions, err := db.PolicyVersions(ctx)
	if err != nil {
		return ippo.Policy{}, err
	}
	return ippo.PolicyAt(versions, d), nil
}

// PutPolicy records a policy version in force from v.EffectiveFrom,
// replacing a version with the same date.
func (db *DB) PutPolicy(ctx context.Context, v ippo.PolicyVersion, by string) error {
	body, err := json.Marshal(v.Policy)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `
		INSERT INTO policy_versions (effective_from, body, created_by, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (effective_from) DO UPDATE SET body = $2, created_by = $3, created_at = $4`,
		date(v.EffectiveFrom), body, by, db.now())
	if err != nil {
		return fmt.Errorf("put policy from %s: %w", v.EffectiveFrom, err)
	}
	return nil
}
