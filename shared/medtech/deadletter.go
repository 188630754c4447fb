package medtech

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// severities are the MedTech severities of the errors the managed service
// knows (medtech.md §17); the project's own dead-lettered errors are
// non-blocking.
var blocking = map[string]bool{ErrTemplateExpression: true, ErrCorrelationIDNotDefined: true}

// DeadLetterRecord is the dead-letter record of a failed message
// (medtech.md §17).
type DeadLetterRecord struct {
	Stage         string          `json:"stage"`
	Error         DeadLetterError `json:"error"`
	Template      *TemplateRef    `json:"template,omitempty"`
	ObservationID string          `json:"observationId,omitempty"`
	Event         DeadLetterEvent `json:"event"`
	RecordedAtUtc string          `json:"recordedAtUtc"`
}

// DeadLetterError names the failure.
type DeadLetterError struct {
	Name     string `json:"name"`
	Message  string `json:"message"`
	Severity string `json:"severity"`
}

// DeadLetterEvent is the original event; Body is set when it parsed.
type DeadLetterEvent struct {
	PartitionID      string          `json:"partitionId"`
	SequenceNumber   int64           `json:"sequenceNumber"`
	Offset           string          `json:"offset"`
	EnqueuedTimeUtc  string          `json:"enqueuedTimeUtc,omitempty"`
	BodyBase64       string          `json:"bodyBase64"`
	Body             json.RawMessage `json:"Body,omitempty"`
	Properties       map[string]any  `json:"Properties"`
	SystemProperties map[string]any  `json:"SystemProperties"`
}

// NewDeadLetterRecord builds the record of message m failed with err (as
// returned in a *event.BatchError) and its key
// {partitionId}/{sequenceNumber}/{stage}/{d}, where d is "event" for
// normalization failures, else the first 16 hex digits of the SHA-256 of
// the measurement group key: re-running a batch overwrites the record
// instead of adding one.
func NewDeadLetterRecord(m event.Message, err error, now time.Time) (key string, r DeadLetterRecord) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Name: ErrRetriesExhausted, Stage: StageWrite, Message: err.Error()}
	}
	msg := e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	sev := "Non-blocking"
	if blocking[e.Name] {
		sev = "Blocking"
	}
	r = DeadLetterRecord{Stage: e.Stage, Error: DeadLetterError{Name: e.Name, Message: msg, Severity: sev},
		Template: e.Template, ObservationID: e.ObservationID, RecordedAtUtc: jsontree.ISODate(now)}
	r.Event = DeadLetterEvent{PartitionID: m.PartitionID, SequenceNumber: m.SequenceNumber, Offset: m.Offset,
		BodyBase64: base64.StdEncoding.EncodeToString(m.Body), Properties: m.Properties, SystemProperties: m.SystemProperties}
	if !m.EnqueuedTime.IsZero() {
		r.Event.EnqueuedTimeUtc = jsontree.ISODate(m.EnqueuedTime)
	}
	if r.Event.Properties == nil {
		r.Event.Properties = map[string]any{}
	}
	if r.Event.SystemProperties == nil {
		r.Event.SystemProperties = map[string]any{}
	}
	if v, perr := ParseBody(m.Body); perr == nil {
		r.Event.Body = json.RawMessage(v.JSON())
	}
	d := "event"
	if e.Stage != StageNormalization {
		var k GroupKey
		if e.Group != nil {
			k = *e.Group
		}
		sum := sha256.Sum256([]byte(strings.Join([]string{k.DeviceID, k.Type, k.PatientID, k.EncounterID, k.CorrelationID}, "\x00")))
		d = hex.EncodeToString(sum[:])[:16]
	}
	return m.PartitionID + "/" + strconv.FormatInt(m.SequenceNumber, 10) + "/" + e.Stage + "/" + d, r
}
