package eventhubs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// BatchContentType is the REST send API's batch media type.
const BatchContentType = "application/vnd.microsoft.servicebus.json"

// maxMessageBytes is Event Hubs' 1 MiB event/batch limit (Standard tier).
const maxMessageBytes = 1 << 20

// brokerProperties are the BrokerProperties the stand-in reads.
type brokerProperties struct {
	PartitionKey string `json:"PartitionKey"`
}

// Handler serves the REST send API for every hub.
func (ns *Namespace) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{hub}/messages", ns.send)
	mux.HandleFunc("POST /{hub}/partitions/{partition}/messages", ns.send)
	mux.HandleFunc("POST /{hub}/publishers/{publisher}/messages", ns.send)
	return mux
}

func restError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<Error><Code>%d</Code><Detail>%s</Detail></Error>", status, xmlEscape(msg))
}

func (ns *Namespace) send(w http.ResponseWriter, r *http.Request) {
	hubName := r.PathValue("hub")
	if _, ok := ns.hubs[lower(hubName)]; !ok {
		restError(w, http.StatusNotFound, fmt.Sprintf("event hub %q does not exist in this namespace", hubName))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxMessageBytes+1))
	if err != nil {
		restError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	if len(body) > maxMessageBytes {
		restError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("message larger than %d bytes", maxMessageBytes))
		return
	}
	var events []SendEvent
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == BatchContentType {
		if events, err = parseBatch(body); err != nil {
			restError(w, http.StatusBadRequest, err.Error())
			return
		}
	} else {
		e := SendEvent{Body: body}
		if bp := r.Header.Get("BrokerProperties"); bp != "" {
			var p brokerProperties
			if err := json.Unmarshal([]byte(bp), &p); err != nil {
				restError(w, http.StatusBadRequest, "BrokerProperties header is not a JSON object: "+err.Error())
				return
			}
			e.PartitionKey = p.PartitionKey
		}
		events = []SendEvent{e}
	}
	if pid := r.PathValue("partition"); pid != "" {
		for i := range events {
			events[i].PartitionID = pid
		}
	}
	if pub := r.PathValue("publisher"); pub != "" {
		for i := range events {
			if events[i].PartitionKey == "" {
				events[i].PartitionKey = pub
			}
		}
	}
	if err := ns.Send(hubName, events); err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrUnknownHub) {
			status = http.StatusNotFound
		}
		restError(w, status, err.Error())
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// parseBatch decodes [{"Body":…,"UserProperties":{…},"BrokerProperties":{…}}].
// A Body that is not a JSON string is taken as its JSON text.
func parseBatch(body []byte) ([]SendEvent, error) {
	var items []struct {
		Body             json.RawMessage  `json:"Body"`
		UserProperties   json.RawMessage  `json:"UserProperties"`
		BrokerProperties brokerProperties `json:"BrokerProperties"`
	}
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("batch is not a JSON array of {Body, UserProperties, BrokerProperties}: %w", err)
	}
	if len(items) == 0 {
		return nil, errors.New("batch is empty")
	}
	events := make([]SendEvent, len(items))
	for i, it := range items {
		if it.Body == nil {
			return nil, fmt.Errorf("batch item %d has no Body", i)
		}
		var s string
		if err := json.Unmarshal(it.Body, &s); err == nil {
			events[i].Body = []byte(s)
		} else {
			events[i].Body = []byte(it.Body)
		}
		events[i].PartitionKey = it.BrokerProperties.PartitionKey
		if len(it.UserProperties) > 0 && string(it.UserProperties) != "null" {
			props, err := hostwire.ParseObject(it.UserProperties)
			if err != nil {
				return nil, fmt.Errorf("batch item %d UserProperties: %w", i, err)
			}
			events[i].Properties = props
		}
	}
	return events, nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func xmlEscape(s string) string {
	var b []byte
	for _, c := range []byte(s) {
		switch c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}
