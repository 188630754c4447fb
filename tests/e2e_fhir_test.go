package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// Helpers of the end-to-end tests that read and clean the FHIR server
// directly (behind the workspace's FHIR front, so they raise no events).

// poll calls cond every interval until it returns true or timeout passes;
// it reports whether cond became true.
func poll(timeout, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// fhirRead GETs u and decodes a JSON answer; status 0 means a network error.
func fhirRead(u string) (status int, body map[string]any, etag string) {
	res, err := http.Get(u)
	if err != nil {
		return 0, nil, ""
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK {
		_ = json.NewDecoder(res.Body).Decode(&body)
	}
	return res.StatusCode, body, res.Header.Get("ETag")
}

// fhirCount is the total of a _summary=count search (-1 on failure).
func fhirCount(base, typ string, q url.Values) int {
	q = cloneValues(q)
	q.Set("_summary", "count")
	status, b, _ := fhirRead(base + "/" + typ + "?" + q.Encode())
	if status != http.StatusOK {
		return -1
	}
	n, ok := b["total"].(float64)
	if !ok {
		return -1
	}
	return int(n)
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// fhirDelete deletes a resource straight on the FHIR server (no events).
func fhirDelete(t testing.TB, base, path string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, base+"/"+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode >= 300 && res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusGone {
		t.Fatalf("DELETE %s = %d", path, res.StatusCode)
	}
}

// searchIDs returns the ids of a search's matches.
func searchIDs(base, typ string, q url.Values) ([]string, error) {
	status, b, _ := fhirRead(base + "/" + typ + "?" + q.Encode())
	if status != http.StatusOK {
		return nil, fmt.Errorf("search %s?%s = %d", typ, q.Encode(), status)
	}
	entries, _ := b["entry"].([]any)
	var ids []string
	for _, e := range entries {
		r, _ := e.(map[string]any)["resource"].(map[string]any)
		if id, ok := r["id"].(string); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
