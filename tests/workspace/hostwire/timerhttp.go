package hostwire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"
)

// TimerInfo is a timer trigger's value (EXT TimerInfo).
type TimerInfo struct {
	// AdjustForDST is true for CRON schedules, false for TimeSpan ones.
	AdjustForDST bool
	// Status is nil when the schedule monitor is off (useMonitor false or
	// a schedule firing more often than once a minute).
	Status    *ScheduleStatus
	IsPastDue bool
}

// ScheduleStatus is the schedule monitor's state; times are written with an
// offset, as DateTimeOffset-like values.
type ScheduleStatus struct {
	Last, Next, LastUpdated time.Time
}

// Timer builds the invocation of a timer trigger (contract §5.3, §14.6):
// Data.<binding> is the TimerInfo object, Metadata only sys.
func Timer(function, binding string, ti TimerInfo, sys Sys) Invocation {
	status := json.RawMessage("null")
	if s := ti.Status; s != nil {
		q := func(t time.Time) json.RawMessage { return quote(FormatDateTime(t, KindLocal)) }
		status, _ = Object{{"Last", q(s.Last)}, {"Next", q(s.Next)}, {"LastUpdated", q(s.LastUpdated)}}.MarshalJSON()
	}
	sched, _ := Object{{"AdjustForDST", json.RawMessage(strconv.FormatBool(ti.AdjustForDST))}}.MarshalJSON()
	v, _ := Object{{"Schedule", sched}, {"ScheduleStatus", status}, {"IsPastDue", json.RawMessage(strconv.FormatBool(ti.IsPastDue))}}.MarshalJSON()
	inv := Invocation{Function: function}
	inv.Data.Set(binding, v)
	inv.Metadata.Set("sys", sys.Value())
	return inv
}

// HTTPRequest is an incoming request to an HTTP-triggered function with
// forwarding off, with order-preserving fields (the host writes them in the
// order received).
type HTTPRequest struct {
	// URL is scheme, host, path and query as the client sent them.
	URL    string
	Method string
	// Query is the query string's parameters in order; repeated keys are
	// joined with commas in Data.Query.
	Query [][2]string
	// Headers are the request headers in order.
	Headers [][2]string
	// Params are the route values.
	Params [][2]string
	// Body is nil when the request had no Content-Length > 0 (so a chunked
	// body is absent, as in the host).
	Body []byte
}

// HTTP builds the invocation of an HTTP trigger with forwarding off
// (contract §5.4, §14.7). Data.<binding> is {Url, Method, Query, Headers
// (name → array), Params, Identities, Body}; Body is base64 for
// application/octet-stream and multipart bodies. Metadata holds each
// top-level member of a JSON body (objects as objects, other values as their
// text double-encoded; booleans as .NET's "True"/"False" — [DERIVED]), each
// query parameter except "code" and each route value double-encoded, then
// Query, Headers (name → string) and sys.
func HTTP(function, binding string, r HTTPRequest, sys Sys) (Invocation, error) {
	query := joinPairs(r.Query, ",")
	qo := make(Object, 0, len(query))
	for _, kv := range query {
		qo = append(qo, Field{kv[0], quote(kv[1])})
	}
	qv, _ := qo.MarshalJSON()
	var hdrArr, hdrStr Object
	var ctype string
	for _, kv := range joinPairs(r.Headers, "\x00") {
		vals := strings.Split(kv[1], "\x00")
		arr := make([]json.RawMessage, len(vals))
		for i, v := range vals {
			arr[i] = quote(v)
		}
		hdrArr = append(hdrArr, Field{kv[0], rawArray(arr)})
		hdrStr = append(hdrStr, Field{kv[0], quote(strings.Join(vals, ","))})
		if strings.EqualFold(kv[0], "Content-Type") {
			ctype = vals[0]
		}
	}
	hav, _ := hdrArr.MarshalJSON()
	hsv, _ := hdrStr.MarshalJSON()
	po := Object{}
	for _, kv := range r.Params {
		po = append(po, Field{kv[0], quote(kv[1])})
	}
	pv, _ := po.MarshalJSON()
	req := Object{{"Url", quote(r.URL)}, {"Method", quote(r.Method)}, {"Query", qv}, {"Headers", hav}, {"Params", pv}, {"Identities", json.RawMessage("[]")}}
	mt, _, _ := mime.ParseMediaType(ctype)
	if r.Body != nil {
		if mt == "application/octet-stream" || strings.HasPrefix(mt, "multipart/") {
			req = append(req, Field{"Body", quote(base64.StdEncoding.EncodeToString(r.Body))})
		} else {
			req = append(req, Field{"Body", quote(string(r.Body))})
		}
	}
	rv, _ := req.MarshalJSON()
	inv := Invocation{Function: function}
	inv.Data.Set(binding, rv)
	if err := setBodyMembers(&inv.Metadata, r.Body); err != nil {
		return Invocation{}, fmt.Errorf("http invocation of %s: body: %w", function, err)
	}
	for _, kv := range query {
		if kv[0] != "code" {
			inv.Metadata.Set(kv[0], String(kv[1]))
		}
	}
	for _, kv := range r.Params {
		inv.Metadata.Set(kv[0], String(kv[1]))
	}
	inv.Metadata.Set("Query", qv)
	inv.Metadata.Set("Headers", hsv)
	inv.Metadata.Set("sys", sys.Value())
	return inv, nil
}

// joinPairs merges repeated keys (first position kept), joining values with
// sep.
func joinPairs(pairs [][2]string, sep string) [][2]string {
	var out [][2]string
	idx := map[string]int{}
	for _, kv := range pairs {
		if i, ok := idx[strings.ToLower(kv[0])]; ok {
			out[i][1] += sep + kv[1]
			continue
		}
		idx[strings.ToLower(kv[0])] = len(out)
		out = append(out, kv)
	}
	return out
}

// setBodyMembers copies the top-level members of a JSON object body into
// Metadata as the host's ApplyBindingData does: objects stay objects, other
// values become their text double-encoded (booleans as .NET's "True" and
// "False" — [DERIVED]); nulls are dropped. A body that is not a JSON object
// adds nothing.
func setBodyMembers(meta *Object, body []byte) error {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return nil
	}
	members, err := ParseObject(t)
	if err != nil {
		return err
	}
	for _, m := range members {
		if _, exists := meta.Get(m.Name); exists {
			continue // binding data already has the key
		}
		v := bytes.TrimSpace(m.Value)
		switch {
		case len(v) == 0 || string(v) == "null":
		case v[0] == '{':
			r, err := Render(v, RenderOptions{})
			if err != nil {
				return err
			}
			meta.Set(m.Name, r)
		case v[0] == '"':
			var s string
			_ = json.Unmarshal(v, &s)
			meta.Set(m.Name, String(s))
		case string(v) == "true":
			meta.Set(m.Name, String("True"))
		case string(v) == "false":
			meta.Set(m.Name, String("False"))
		default:
			r, err := Render(v, RenderOptions{})
			if err != nil {
				return err
			}
			meta.Set(m.Name, String(string(r)))
		}
	}
	return nil
}
