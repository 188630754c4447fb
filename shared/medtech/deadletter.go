package medtech

// blocking are the errors the managed service reports as Blocking
// (medtech.md §17); the others are Non-blocking.
var blocking = map[string]bool{ErrTemplateExpression: true, ErrCorrelationIDNotDefined: true}

// DeadLetterDetail is the medtech.md §17 context of a failure, recorded with
// the message in the app's dead-letter store: stage, error name and
// severity, the template and expression involved, and the target
// Observation. The runtime (shared/azfunc) finds it with errors.As and adds
// the message's partition, offset and sequence number; records are keyed by
// partition, sequence number and body, so a re-run overwrites instead of
// duplicating.
func (e *Error) DeadLetterDetail() map[string]string {
	d := Detail(e)
	d["error.severity"] = "Non-blocking"
	if blocking[e.Name] {
		d["error.severity"] = "Blocking"
	}
	if e.ObservationID != "" {
		d["observationId"] = e.ObservationID
	}
	return d
}
