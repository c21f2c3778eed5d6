package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
)

// ProgramOpened is the day デジKAMA opened; the seeded policy is in force from it.
var ProgramOpened = ippo.Date{Year: 2022, Month: 10, Day: 1}

// KamakuraAgencies are the partner agencies the Kamakura program starts with.
// Addresses are under example.jp until the real ones are set.
var KamakuraAgencies = []ippo.Agency{
	{Name: "障害者二千人雇用センター", Kind: "employment_support", Email: "nisen@example.jp",
		Description: "障害のある方の就職と職場定着を支援します。"},
	{Name: "インクル相談室鎌倉", Kind: "consultation_support", Email: "incle@example.jp",
		Description: "障害福祉サービスの利用計画や暮らしの相談を受けます。"},
	{Name: "スリー・プラス", Kind: "employment_support", Email: "threeplus@example.jp",
		Description: "障害のある方の就労と生活の相談に応じます。"},
	{Name: "湘南・横浜若者サポートステーション", Kind: "youth_support", Email: "saposute@example.jp",
		Description: "働くことに悩みを抱える若者の就労を支援します。"},
	{Name: "とらいむ", Kind: "community_support", Email: "traim@example.jp",
		Description: "地域での居場所づくりと相談支援を行います。"},
	{Name: "鎌倉市障害福祉課", Kind: "city_office", Email: "shogai-fukushi@city.kamakura.example.jp",
		Description: "障害福祉サービスの支給決定と相談を担当します。"},
	{Name: "鎌倉市生活福祉課", Kind: "city_office", Email: "seikatsu-fukushi@city.kamakura.example.jp",
		Description: "生活の困りごとやひきこもりの相談を担当します。"},
	{Name: "ハローワーク藤沢", Kind: "public_employment_office", Email: "hw-fujisawa@example.jp",
		Description: "職業紹介と障害者向け専門援助を行います。"},
}

// agencyNamespace makes seeded agency IDs stable across installations.
var agencyNamespace = uuid.MustParse("6f1c7a3e-4b8e-4c61-9a55-5b8f7f1d2e10")

// Seed loads the Kamakura program: the default policy (if there is none)
// and the partner agencies (those not yet present). Running it again
// changes nothing.
func (db *DB) Seed(ctx context.Context) error {
	versions, err := db.PolicyVersions(ctx)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		v := ippo.PolicyVersion{EffectiveFrom: ProgramOpened, Policy: ippo.DefaultPolicy()}
		if err := db.PutPolicy(ctx, v, "seed"); err != nil {
			return err
		}
	}
	for _, a := range KamakuraAgencies {
		_, err := db.pool.Exec(ctx, `
			INSERT INTO agencies (id, name, kind, email, description) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`,
			uuid.NewSHA1(agencyNamespace, []byte(a.Name)).String(), a.Name, a.Kind, a.Email, a.Description)
		if err != nil {
			return fmt.Errorf("seed agency %s: %w", a.Name, err)
		}
	}
	return nil
}
