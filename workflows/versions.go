package workflows

// Change IDs for workflow.GetVersion. Each names one change to code that
// running lifecycles may be executing; keep the ID and the old branch until
// no workflow that started before the change can still be running (a
// lifecycle continues as new at every extension, so one extension period
// after deployment is enough for phases that extend; screening and
// onboarding can last longer). None yet: the first histories under
// testdata/ were recorded with the code as it is.
