package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/ahds-events/ahds/tests/stack"
)

var client = &http.Client{Timeout: 10 * time.Second}

// getJSON fetches url and decodes a JSON answer into v, failing the test on any other status.
func getJSON(t *testing.T, url string, want int, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %s", url, resp.StatusCode, want, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: decode: %v: %s", url, err, body)
		}
	}
}

func TestOrthancAnswersWithDICOMweb(t *testing.T) {
	e := stack.Require(t)
	var sys struct{ Version string }
	getJSON(t, e.Orthanc+"/system", http.StatusOK, &sys)
	if sys.Version != "1.10.1" {
		t.Errorf("Orthanc version %q, want 1.10.1 (the pinned Debian package)", sys.Version)
	}
	var plugins []string
	getJSON(t, e.Orthanc+"/plugins", http.StatusOK, &plugins)
	found := false
	for _, p := range plugins {
		found = found || p == "dicom-web"
	}
	if !found {
		t.Fatalf("Orthanc /plugins = %v, want dicom-web listed", plugins)
	}
	// QIDO-RS answers through the plugin (Orthanc answers 200 with a JSON array).
	var studies []json.RawMessage
	getJSON(t, e.Orthanc+"/dicom-web/studies?limit=1", http.StatusOK, &studies)
}

func TestFHIRServerAnswers(t *testing.T) {
	e := stack.Require(t)
	var cs struct {
		ResourceType string `json:"resourceType"`
		FHIRVersion  string `json:"fhirVersion"`
	}
	getJSON(t, e.FHIR+"/metadata", http.StatusOK, &cs)
	if cs.ResourceType != "CapabilityStatement" || cs.FHIRVersion != "4.0.1" {
		t.Fatalf("/metadata: resourceType %q fhirVersion %q, want CapabilityStatement 4.0.1", cs.ResourceType, cs.FHIRVersion)
	}

	// A write and a read, with the server's integer versions.
	id := fmt.Sprintf("stack-test-%d", time.Now().UnixNano())
	body := `{"resourceType":"Device","id":"` + id + `","status":"active"}`
	req, err := http.NewRequest(http.MethodPut, e.FHIR+"/Device/"+id, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("PUT Device: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") != `W/"1"` {
		t.Fatalf("PUT Device/%s: status %d ETag %q, want 201 W/\"1\"", id, resp.StatusCode, resp.Header.Get("ETag"))
	}
	var dev struct{ ID, Status string }
	getJSON(t, e.FHIR+"/Device/"+id, http.StatusOK, &dev)
	if dev.ID != id || dev.Status != "active" {
		t.Fatalf("GET Device/%s = %+v", id, dev)
	}
}

func TestAzuriteAnswers(t *testing.T) {
	e := stack.Require(t)
	if !strings.Contains(e.Storage, "BlobEndpoint="+e.BlobURL+";") {
		t.Errorf("storage connection string %q does not name BlobEndpoint=%s", e.Storage, e.BlobURL)
	}
	for _, key := range []string{"QueueEndpoint", "TableEndpoint"} {
		u := connField(e.Storage, key)
		if u == "" {
			t.Fatalf("storage connection string has no %s", key)
		}
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatalf("%s %q: %v", key, u, err)
		}
		conn, err := net.DialTimeout("tcp", parsed.Host, 2*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		conn.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := azblob.NewClientFromConnectionString(e.Storage, nil)
	if err != nil {
		t.Fatalf("azblob client: %v", err)
	}
	container := fmt.Sprintf("stack-test-%d", time.Now().UnixNano())
	if _, err := c.CreateContainer(ctx, container, nil); err != nil {
		t.Fatalf("create container: %v", err)
	}
	defer c.DeleteContainer(context.Background(), container, nil)
	want := []byte("hello azurite")
	if _, err := c.UploadBuffer(ctx, container, "probe.txt", want, nil); err != nil {
		t.Fatalf("upload: %v", err)
	}
	got, err := c.DownloadStream(ctx, container, "probe.txt", nil)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer got.Body.Close()
	data, err := io.ReadAll(got.Body)
	if err != nil {
		t.Fatalf("download body: %v", err)
	}
	if !bytes.Equal(data, want) {
		t.Fatalf("downloaded %q, want %q", data, want)
	}
}

// connField returns the value of key in a semicolon-separated connection string.
func connField(conn, key string) string {
	for _, part := range strings.Split(conn, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && k == key {
			return v
		}
	}
	return ""
}
