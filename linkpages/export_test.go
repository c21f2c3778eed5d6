package linkpages

import (
	"context"

	"github.com/ippo-center/ippo/links"
)

// ActAgain runs a link action's Perform with the claims of a use that has
// already acted, as linkAct does when it takes over a claim whose process
// stopped after acting but before recording the use: tests check that it
// changes nothing (Perform is idempotent by claims.ID).
func (p *Pages) ActAgain(ctx context.Context, c links.Claims, form map[string]string) (string, error) {
	done, err := p.actions[c.Action].Perform(ctx, c, form)
	return done.Title, err
}
