package dicomfront

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/eventgrid"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// DefaultPartition is the Azure DICOM service's default partition name.
const DefaultPartition = "Microsoft.Default"

// Publisher receives the front's events (an *eventgrid.Broker).
type Publisher interface {
	Publish(events ...eventgrid.Event) int
}

// Config configures a Server.
type Config struct {
	// OrthancURL is Orthanc's REST base, e.g. http://127.0.0.1:8042.
	OrthancURL string
	// Feed is the change feed (OpenFeed).
	Feed *Feed
	// Publisher receives DicomImage* events; nil publishes nothing.
	Publisher Publisher
	// ServiceHostName is data.serviceHostName and the subject's host, e.g.
	// 127.0.0.1:8043 or ws-dicom.dicom.azurehealthcareapis.com.
	ServiceHostName string
	// Topic is the event topic (the workspace's resource id).
	Topic string
	// BaseURL is the front's own base (scheme://host:port), for RetrieveURLs.
	BaseURL string
	// Partitions turns on data partitions: STOW/WADO/QIDO/DELETE then live
	// under /{v}/partitions/{name}/ (contract dicom.md §4).
	Partitions bool
	// MaxBody caps a STOW body; 0 means 512 MiB.
	MaxBody    int64
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
}

// Server is the DICOM front. It is an http.Handler.
type Server struct {
	cfg     Config
	orthanc *orthanc
	mux     *http.ServeMux
	writeMu sync.Mutex
	members *members
	log     *slog.Logger
}

var _ http.Handler = (*Server)(nil)

// New returns a front for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.OrthancURL == "" || cfg.Feed == nil {
		return nil, errors.New("dicomfront: OrthancURL and Feed are required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 512 << 20
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, orthanc: &orthanc{base: strings.TrimRight(cfg.OrthancURL, "/"), hc: cfg.HTTPClient}, log: log, members: newMembers(cfg.Feed)}
	mux := http.NewServeMux()
	for _, prefix := range []string{"/{ver}", "/{ver}/partitions/{partition}"} {
		mux.HandleFunc("POST "+prefix+"/studies", s.data(s.stow))
		mux.HandleFunc("POST "+prefix+"/studies/{study}", s.data(s.stow))
		mux.HandleFunc("DELETE "+prefix+"/studies/{study}", s.data(s.deleteResource))
		mux.HandleFunc("DELETE "+prefix+"/studies/{study}/series/{series}", s.data(s.deleteResource))
		mux.HandleFunc("DELETE "+prefix+"/studies/{study}/series/{series}/instances/{sop}", s.data(s.deleteResource))
		mux.HandleFunc("GET "+prefix+"/{rest...}", s.data(s.proxy))
	}
	mux.HandleFunc("GET /{ver}/changefeed", s.version(s.changeFeed))
	mux.HandleFunc("GET /{ver}/changefeed/latest", s.version(s.changeFeedLatest))
	mux.HandleFunc("GET /{ver}/partitions", s.version(s.listPartitions))
	s.mux = mux
	return s, nil
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) version(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if v := r.PathValue("ver"); v != "v1" && v != "v2" {
			writeError(w, http.StatusNotFound, fmt.Sprintf("unknown API version %q: use /v1 or /v2", v))
			return
		}
		h(w, r)
	}
}

// writeError answers with a JSON error body, the shape the Azure service
// uses for non-DICOM errors.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": http.StatusText(status), "message": msg}})
	_, _ = w.Write(b)
}

// change appends a change-feed entry and publishes its event. Callers hold
// writeMu.
func (s *Server) change(action, partition, study, series, sop string) (Entry, error) {
	e, err := s.cfg.Feed.Append(Entry{PartitionName: partition, StudyInstanceUID: study, SeriesInstanceUID: series, SOPInstanceUID: sop, Action: action, Timestamp: s.cfg.Now()})
	if err != nil {
		return Entry{}, err
	}
	s.members.apply(e)
	if s.cfg.Publisher != nil {
		typ := eventgrid.DicomImageCreated
		switch action {
		case ActionDelete:
			typ = eventgrid.DicomImageDeleted
		case ActionUpdate:
			typ = eventgrid.DicomImageUpdated
		}
		q := func(v string) json.RawMessage { return hostwire.AppendString(nil, v) }
		data, _ := hostwire.Object{
			{Name: "partitionName", Value: q(partition)},
			{Name: "imageStudyInstanceUid", Value: q(study)},
			{Name: "imageSeriesInstanceUid", Value: q(series)},
			{Name: "imageSopInstanceUid", Value: q(sop)},
			{Name: "serviceHostName", Value: q(s.cfg.ServiceHostName)},
			{Name: "sequenceNumber", Value: json.RawMessage(fmt.Sprint(e.Sequence))},
		}.MarshalJSON()
		part := ""
		if s.cfg.Partitions {
			part = "/partitions/" + partition
		}
		s.cfg.Publisher.Publish(eventgrid.Event{
			ID: hostwire.NewUUID(), Type: typ, Source: s.cfg.Topic,
			Subject: fmt.Sprintf("%s/v1%s/studies/%s/series/%s/instances/%s", s.cfg.ServiceHostName, part, study, series, sop),
			Time:    e.Timestamp, Data: data, DataVersion: "1",
		})
	}
	return e, nil
}

func (s *Server) retrieveURL(r *http.Request, parts ...string) string {
	base := s.cfg.BaseURL
	if base == "" {
		base = "http://" + r.Host
	}
	segs := []string{strings.TrimRight(base, "/"), r.PathValue("ver")}
	if s.cfg.Partitions {
		segs = append(segs, "partitions", url.PathEscape(partitionOf(r)))
	}
	names := []string{"studies", "series", "instances"}
	for i, p := range parts {
		segs = append(segs, names[i], url.PathEscape(p))
	}
	return strings.Join(segs, "/")
}
