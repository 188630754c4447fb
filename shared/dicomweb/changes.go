package dicomweb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Change is one change-feed entry, normalised across service kinds.
type Change struct {
	Sequence  int64
	Partition string
	StudyUID  string
	SeriesUID string
	SOPUID    string
	// Action is "create", "update" or "delete" (lower-case).
	Action string
	// State is "current", "replaced" or "deleted" (Azure only).
	State     string
	Timestamp time.Time
}

// ChangePage is one page of changes after a position.
type ChangePage struct {
	Changes []Change
	// Next is the position to continue from once Changes are processed (the
	// checkpoint value).
	Next int64
	// Done reports that the source had nothing after Next when asked.
	Done bool
}

// Changes returns the changes after position from, at most limit entries.
//
// Azure (/v1/changefeed, sequence-based, pinned to v1): Next is the page's
// highest Sequence. An empty page is checked against /v1/changefeed/latest:
// when latest is ahead (a gap in the sequence), Next = min(from+limit,
// latest) and Done is false; otherwise Done is true.
//
// Orthanc (/changes): only NewInstance entries are returned, each resolved to
// its study's StudyInstanceUID (entries whose instance was deleted since are
// skipped); Next is the answer's Last and Done its Done. Orthanc logs no
// deletions.
func (c *Client) Changes(ctx context.Context, from int64, limit int) (*ChangePage, error) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	if c.o.Kind == KindOrthanc {
		return c.orthancChanges(ctx, from, limit)
	}
	u := fmt.Sprintf("%s/v1/changefeed?offset=%d&limit=%d&includeMetadata=false", c.origin, from, limit)
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return nil, err
	}
	var raw []map[string]json.RawMessage
	if len(resp.body) > 0 {
		if err := json.Unmarshal(resp.body, &raw); err != nil {
			return nil, fmt.Errorf("dicomweb GET %s: decode change feed: %w", u, err)
		}
	}
	page := &ChangePage{Next: from}
	for i, m := range raw {
		ch, err := parseChange(m)
		if err != nil {
			return nil, fmt.Errorf("dicomweb GET %s: entry %d: %w", u, i, err)
		}
		page.Changes = append(page.Changes, ch)
		page.Next = max(page.Next, ch.Sequence)
	}
	if len(page.Changes) > 0 {
		return page, nil
	}
	latest, err := c.Latest(ctx)
	if err != nil {
		return nil, err
	}
	if latest > from {
		page.Next = min(from+int64(limit), latest)
		return page, nil
	}
	page.Done = true
	return page, nil
}

// Latest returns the newest position of the change source: the Sequence of
// /v1/changefeed/latest (Azure) or Last of /changes?last (Orthanc); 0 when
// nothing has happened yet.
func (c *Client) Latest(ctx context.Context) (int64, error) {
	if c.o.Kind == KindOrthanc {
		var oc orthancChangeList
		if err := c.getJSON(ctx, c.origin+"/changes?last", &oc); err != nil {
			return 0, err
		}
		return oc.Last, nil
	}
	u := c.origin + "/v1/changefeed/latest"
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return 0, err
	}
	if len(resp.body) == 0 || string(resp.body) == "null" {
		return 0, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(resp.body, &m); err != nil {
		return 0, fmt.Errorf("dicomweb GET %s: decode: %w", u, err)
	}
	ch, err := parseChange(m)
	if err != nil {
		return 0, fmt.Errorf("dicomweb GET %s: %w", u, err)
	}
	return ch.Sequence, nil
}

// parseChange reads an entry with member names and enum values matched
// case-insensitively (the docs show PascalCase, the server writes camelCase).
func parseChange(m map[string]json.RawMessage) (Change, error) {
	var ch Change
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(m[findKey(m, k)], &s)
		return s
	}
	seq := m[findKey(m, "sequence")]
	if len(seq) == 0 {
		return ch, fmt.Errorf("no sequence")
	}
	n, err := strconv.ParseInt(strings.Trim(string(seq), `"`), 10, 64)
	if err != nil {
		return ch, fmt.Errorf("sequence %s: %w", seq, err)
	}
	ch.Sequence = n
	ch.Partition = str("partitionName")
	if ch.Partition == "" {
		ch.Partition = DefaultPartition
	}
	ch.StudyUID = str("studyInstanceUid")
	ch.SeriesUID = str("seriesInstanceUid")
	ch.SOPUID = str("sopInstanceUid")
	ch.Action = strings.ToLower(str("action"))
	ch.State = strings.ToLower(str("state"))
	if ts := str("timestamp"); ts != "" {
		ch.Timestamp, _ = time.Parse(time.RFC3339Nano, ts)
	}
	return ch, nil
}

type orthancChangeList struct {
	Changes []struct {
		ChangeType   string
		ID           string
		ResourceType string
		Seq          int64
	}
	Done bool
	Last int64
}

func (c *Client) orthancChanges(ctx context.Context, from int64, limit int) (*ChangePage, error) {
	var oc orthancChangeList
	if err := c.getJSON(ctx, fmt.Sprintf("%s/changes?since=%d&limit=%d", c.origin, from, limit), &oc); err != nil {
		return nil, err
	}
	page := &ChangePage{Next: max(from, oc.Last), Done: oc.Done}
	for _, e := range oc.Changes {
		if e.ChangeType != "NewInstance" {
			continue
		}
		var st struct {
			MainDicomTags struct{ StudyInstanceUID string }
		}
		err := c.getJSON(ctx, c.origin+"/instances/"+url.PathEscape(e.ID)+"/study", &st)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, err
		}
		page.Changes = append(page.Changes, Change{Sequence: e.Seq, Partition: DefaultPartition,
			StudyUID: st.MainDicomTags.StudyInstanceUID, Action: "create", State: "current"})
	}
	return page, nil
}

func (c *Client) getJSON(ctx context.Context, u string, v any) error {
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.body, v); err != nil {
		return fmt.Errorf("dicomweb GET %s: decode: %w", u, err)
	}
	return nil
}

func isNotFound(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Is(ErrNotFound)
}
