package workflows_test

import (
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
)

// An imported worker starts active in their current term; the next
// reminder and extension come on the term's dates, the term count goes on
// from the import's, and no "application received" email is sent.
func TestImportedLifecycleExtendsOnItsDate(t *testing.T) {
	s := newScenario(t, "2026-04-10")
	s.imported = &workflows.ImportedContract{
		SignedOn: day("2025-04-01"), TermStart: day("2026-04-01"), TermEnd: day("2026-09-30"), Extensions: 2,
	}
	resign := s.update("2026-04-11", workflows.UpdateSignContract, sign("2026-04-11"))
	s.update("2026-10-05", workflows.UpdateWithdraw, withdraw())
	s.run()

	require.NoError(t, s.err)
	require.Equal(t, ippo.ECONFLICT, resign.Refused(t).Code, "an imported worker is already under contract")
	kinds := s.world.stepKinds()
	require.Equal(t, "imported", kinds[0])
	first := s.world.stepsOf("imported")[0]
	require.Equal(t, ippo.PhaseActive, first.View.Phase)
	require.Equal(t, day("2026-09-30"), first.View.ContractEnd)
	require.Equal(t, 2, first.View.Extensions)

	reminders := s.world.stepsOf("extension_reminder_sent")
	require.NotEmpty(t, reminders)
	require.True(t, reminders[0].ProgramAt.Before(day("2026-10-01").Start()), "the reminder comes before the extension")
	ext := s.world.stepsOf("contract_extended")
	require.Len(t, ext, 1)
	require.Equal(t, day("2026-10-01"), ippo.DateOf(ext[0].ProgramAt), "the extension comes on the day after the term")
	require.Equal(t, "2026-10-01", ext[0].Data["term_start"])
	require.Equal(t, "2026-12-31", ext[0].Data["term_end"]) // extensions are three months
	require.EqualValues(t, 3, ext[0].Data["extensions"])

	require.NotContains(t, s.world.emails(), activities.EmailApplicationReceived)
	require.Contains(t, s.world.emails(), activities.EmailExtensionReminder)
	require.Empty(t, s.world.claims, "the import stored the place; the lifecycle does not claim another")
	require.Len(t, s.world.releases, 1, "withdrawal gives the imported worker's place back")
	require.Equal(t, ippo.PhaseWithdrawn, s.state.Phase)
}
