package imaging

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/eventgrid/azsystemevents"

	"github.com/ahds-events/ahds/shared/event"
)

// Key identifies a study across the service (P1.2).
type Key struct {
	Host      string
	Partition string
	StudyUID  string
}

// String returns host/partition/study.
func (k Key) String() string { return k.Host + "/" + k.Partition + "/" + k.StudyUID }

// DicomEvent is a validated AHDS DICOM event.
type DicomEvent struct {
	ID        string
	Type      string
	Key       Key
	SeriesUID string
	SOPUID    string
	Sequence  int64
}

// RejectError is a P3 rejection: the event is refused before any request.
// Reason is one of foreign-host, unknown-event-type, malformed-event,
// invalid-uid, subject-mismatch, invalid-partition, partition-not-enabled.
type RejectError struct {
	EventID string
	Reason  string
	Msg     string
}

// Error names the event and the reason.
func (e *RejectError) Error() string {
	return "event " + e.EventID + " rejected: " + e.Reason + ": " + e.Msg
}

// DeadLetterDetail gives the dead-letter record its reason.
func (e *RejectError) DeadLetterDetail() map[string]string {
	return map[string]string{"reason": e.Reason}
}

var partitionRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// dicomEventData is the data of all three DICOM event types (they share one
// shape in azsystemevents).
type dicomEventData = azsystemevents.HealthcareDicomImageCreatedEventData

// ParseDicomEvent decodes and validates an AHDS DICOM event against the
// configured service (P3). Every error is permanent and a *RejectError.
func ParseDicomEvent(e event.Event, host string, partitionsEnabled bool) (DicomEvent, error) {
	reject := func(reason, format string, args ...any) (DicomEvent, error) {
		return DicomEvent{}, event.Permanent(&RejectError{EventID: e.ID, Reason: reason, Msg: fmt.Sprintf(format, args...)})
	}
	switch e.Type {
	case azsystemevents.TypeHealthcareDicomImageCreated, azsystemevents.TypeHealthcareDicomImageUpdated,
		azsystemevents.TypeHealthcareDicomImageDeleted:
	default:
		return reject("unknown-event-type", "event type %q is not a DICOM image event", e.Type)
	}
	var d dicomEventData
	if len(e.Data) == 0 {
		return reject("malformed-event", "no data")
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return reject("malformed-event", "data: %v", err)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	svc := str(d.ServiceHostName)
	if host == "" || !strings.EqualFold(svc, host) {
		return reject("foreign-host", "data.serviceHostName %q is not the configured DICOM service host %q", svc, host)
	}
	subjHost, rest, _ := strings.Cut(e.Subject, "/")
	if !strings.EqualFold(subjHost, host) {
		return reject("foreign-host", "subject host %q is not the configured DICOM service host %q", subjHost, host)
	}
	ev := DicomEvent{ID: e.ID, Type: e.Type, SeriesUID: str(d.ImageSeriesInstanceUID), SOPUID: str(d.ImageSopInstanceUID)}
	if d.SequenceNumber != nil {
		ev.Sequence = *d.SequenceNumber
	}
	ev.Key = Key{Host: strings.ToLower(host), Partition: str(d.PartitionName), StudyUID: str(d.ImageStudyInstanceUID)}
	for i, uid := range []string{ev.Key.StudyUID, ev.SeriesUID, ev.SOPUID} {
		if !ValidUID(uid) {
			name := [...]string{"imageStudyInstanceUid", "imageSeriesInstanceUid", "imageSopInstanceUid"}[i]
			return reject("invalid-uid", "data.%s %q is missing or not a valid UID", name, uid)
		}
	}
	if ev.Key.Partition == "" {
		ev.Key.Partition = DefaultPartition
	}
	if !partitionRE.MatchString(ev.Key.Partition) {
		return reject("invalid-partition", "data.partitionName %q is not a valid partition name", ev.Key.Partition)
	}
	sp, uids, ok := parseSubjectPath(rest)
	if !ok {
		return reject("malformed-event", "subject %q is not {host}/{version}[/partitions/{p}]/studies/{s}/series/{s}/instances/{i}", e.Subject)
	}
	if sp != "" && sp != ev.Key.Partition || sp == "" && d.PartitionName != nil && ev.Key.Partition != DefaultPartition {
		return reject("subject-mismatch", "subject partition %q differs from data.partitionName %q", sp, ev.Key.Partition)
	}
	if uids != [3]string{ev.Key.StudyUID, ev.SeriesUID, ev.SOPUID} {
		return reject("subject-mismatch", "subject UIDs differ from the data's")
	}
	if !partitionsEnabled && ev.Key.Partition != DefaultPartition {
		return reject("partition-not-enabled", "partition %q but DICOM_PARTITIONS_ENABLED=false", ev.Key.Partition)
	}
	return ev, nil
}

// parseSubjectPath splits "v1[/partitions/p]/studies/s/series/se/instances/i".
func parseSubjectPath(p string) (partition string, uids [3]string, ok bool) {
	seg := strings.Split(p, "/")
	if len(seg) > 0 && strings.HasPrefix(seg[0], "v") {
		seg = seg[1:]
	}
	if len(seg) >= 2 && seg[0] == "partitions" {
		partition = seg[1]
		seg = seg[2:]
	}
	if len(seg) != 6 || seg[0] != "studies" || seg[2] != "series" || seg[4] != "instances" {
		return "", uids, false
	}
	return partition, [3]string{seg[1], seg[3], seg[5]}, true
}
