package dicomweb

import (
	"strings"
	"sync/atomic"
)

// Metrics counts a client's traffic. The zero value is ready; a nil
// *Metrics counts nothing. Safe for concurrent use.
type Metrics struct {
	// Requests counts HTTP requests sent, retries included.
	Requests atomic.Int64
	// MetadataRequests counts WADO-RS metadata requests.
	MetadataRequests atomic.Int64
	// BytesSent and BytesReceived count request and answer bodies.
	BytesSent, BytesReceived atomic.Int64
	// MetadataBytes counts the bodies of WADO-RS metadata answers.
	MetadataBytes atomic.Int64
}

func (m *Metrics) request(sent int) {
	if m == nil {
		return
	}
	m.Requests.Add(1)
	m.BytesSent.Add(int64(sent))
}

func (m *Metrics) received(u string, n int) {
	if m == nil {
		return
	}
	m.BytesReceived.Add(int64(n))
	if strings.HasSuffix(u, "/metadata") {
		m.MetadataRequests.Add(1)
		m.MetadataBytes.Add(int64(n))
	}
}
