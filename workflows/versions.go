package workflows

// Change IDs for workflow.GetVersion. Each names one change to code that
// running lifecycles may be executing; keep the ID and the old branch until
// no workflow that started before the change can still be running (a
// lifecycle continues as new at every extension, so one extension period
// after deployment is enough for phases that extend; screening and
// onboarding can last longer). The first histories under testdata/ (v1-*)
// were recorded before any change.

const (
	// changeAppliedFirst: the "applied" step is recorded before any staff
	// step, even one that reaches the lifecycle in its first workflow task.
	changeAppliedFirst = "applied-first"
)
