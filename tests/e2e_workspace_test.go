package tests

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/tests/stack"
)

// The end-to-end tests run cmd/workspace (the AHDS emulation) with
// -start-handler over dist/, on free ports, against the local stack. Each
// test starts its own workspace with its own dead-letter container and
// Event Hubs namespace, so tests of other packages can share the stack.

var workspaceBuild struct {
	once sync.Once
	path string
	err  error
}

// workspaceBinary builds cmd/workspace once per test binary, next to distDir.
func workspaceBinary(t testing.TB) string {
	t.Helper()
	workspaceBuild.once.Do(func() {
		out := filepath.Join(filepath.Dir(distDir), "workspace")
		cmd := exec.Command("go", "build", "-o", out, "../cmd/workspace")
		b, err := cmd.CombinedOutput()
		if err != nil {
			workspaceBuild.err = fmt.Errorf("go build ./cmd/workspace: %w\n%s", err, b)
			return
		}
		workspaceBuild.path = out
	})
	if workspaceBuild.err != nil {
		t.Fatal(workspaceBuild.err)
	}
	return workspaceBuild.path
}

// uniqueID returns a short id unique to this run, safe in blob container
// names, FHIR ids and DICOM UIDs (digits only when digits is set).
func uniqueID(digits bool) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	if digits {
		n := uint64(0)
		for _, x := range b {
			n = n<<8 | uint64(x)
		}
		return strconv.FormatUint(n, 10)
	}
	return hex.EncodeToString(b[:])
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a process's console output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// countingProxy is a reverse proxy that counts the requests it forwards.
type countingProxy struct {
	srv             *httptest.Server
	total, gets     atomic.Int64
	metadata, posts atomic.Int64
}

func newCountingProxy(t testing.TB, target string) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.total.Add(1)
		switch r.Method {
		case http.MethodGet:
			p.gets.Add(1)
			if strings.HasSuffix(r.URL.Path, "/metadata") {
				p.metadata.Add(1)
			}
		case http.MethodPost:
			p.posts.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *countingProxy) reset() {
	p.total.Store(0)
	p.gets.Store(0)
	p.metadata.Store(0)
	p.posts.Store(0)
}

// e2eOptions shape a workspace.
type e2eOptions struct {
	// env overrides the handler's settings.
	env map[string]string
	// proxyFHIR and proxyDICOM put counting proxies between the handler
	// and the fronts.
	proxyFHIR, proxyDICOM bool
	// fhirDirect points the FHIR proxy at the FHIR server itself instead of
	// the FHIR front: in Azure the service raises its events at no cost to
	// the app, so a device benchmark should not pay for the emulated front.
	fhirDirect bool
}

// e2eWorkspace is a running cmd/workspace with its handler.
type e2eWorkspace struct {
	st stack.Endpoints
	// FHIR, DICOMweb and EventHubs are the fronts' URLs from -endpoints.
	FHIR, DICOMweb, EventHubs string
	// DICOMOrigin is the DICOM front's scheme://host:port.
	DICOMOrigin string
	container   string
	namespace   string
	out         *syncBuffer
	blob        *azblob.Client
	// fhirProxy and dicomProxy are set by the options of the same name.
	fhirProxy, dicomProxy *countingProxy
}

// startWorkspace runs cmd/workspace -start-handler over distDir.
func startWorkspace(t testing.TB, opts e2eOptions) *e2eWorkspace {
	t.Helper()
	st := stack.Require(t)
	bin := workspaceBinary(t)
	subs, err := filepath.Abs("workspace/subscriptions.json")
	if err != nil {
		t.Fatal(err)
	}
	id := uniqueID(false)
	w := &e2eWorkspace{st: st, container: "e2e-dlq-" + id, namespace: "e2e-" + id + ".servicebus.windows.net", out: &syncBuffer{}}
	w.blob, err = blobstore.Open(config.Storage{ConnectionString: st.Storage}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dicomPort, fhirPort, ehPort := freePort(t), freePort(t), freePort(t)
	w.DICOMOrigin = fmt.Sprintf("http://127.0.0.1:%d", dicomPort)
	fhirFront := fmt.Sprintf("http://127.0.0.1:%d", fhirPort)
	handlerFHIR, handlerDICOM := fhirFront, w.DICOMOrigin
	if opts.proxyFHIR {
		target := fhirFront
		if opts.fhirDirect {
			target = st.FHIR
		}
		w.fhirProxy = newCountingProxy(t, target)
		handlerFHIR = w.fhirProxy.srv.URL
	}
	if opts.proxyDICOM {
		w.dicomProxy = newCountingProxy(t, w.DICOMOrigin)
		handlerDICOM = w.dicomProxy.srv.URL
	}
	settings := map[string]string{
		"FUNCTIONS_WORKER_RUNTIME": "custom", "LOG_LEVEL": "info",
		"FHIR_BASE_URL": handlerFHIR, "DICOM_SERVICE_URL": handlerDICOM, "DICOM_SERVICE_KIND": "azure",
		"AzureWebJobsStorage": st.Storage, "DEADLETTER_CONTAINER": w.container,
		"DEVICE_EVENTHUB_NAME": "device-telemetry", "DEVICE_EVENTHUB_CONSUMER_GROUP": "$Default",
		"MEDTECH_DEVICE_MAPPING": "device-telemetry/mappings/devicecontent.json",
		"MEDTECH_FHIR_MAPPING":   "device-telemetry/mappings/fhirmapping.json",
		"MEDTECH_IDENTITY_MODE":  "Direct",
	}
	for k, v := range opts.env {
		settings[k] = v
	}
	dir := t.TempDir()
	endpoints := filepath.Join(dir, "endpoints.json")
	cmd := exec.Command(bin, "-start-handler", "-app", distDir, "-changefeed", "", "-time-factor", "60",
		"-subscriptions", subs, "-orthanc-url", st.Orthanc, "-fhir-url", st.FHIR, "-storage", st.Storage,
		"-dicom-port", strconv.Itoa(dicomPort), "-fhir-port", strconv.Itoa(fhirPort), "-eventhubs-port", strconv.Itoa(ehPort),
		"-endpoints", endpoints, "-namespace", w.namespace,
		// Events name the service hosts the handler is configured with
		// (the proxies when set), as Azure's name the services' hosts.
		"-dicom-host", strings.TrimPrefix(handlerDICOM, "http://"), "-fhir-account", strings.TrimPrefix(handlerFHIR, "http://"))
	cmd.Env = os.Environ()
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = w.out, w.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Errorf("workspace did not stop within 15 s of SIGTERM: killing its process group %d", cmd.Process.Pid)
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("workspace console output (tail):\n%s", tail(w.out.String(), 6000))
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(endpoints); err == nil {
			var ep struct{ FHIR, DICOMweb, EventHubs string }
			if err := json.Unmarshal(b, &ep); err != nil {
				t.Fatalf("endpoints file: %v", err)
			}
			w.FHIR, w.DICOMweb, w.EventHubs = ep.FHIR, ep.DICOMweb, ep.EventHubs
			break
		}
		select {
		case <-done:
			t.Fatalf("workspace exited before writing %s:\n%s", endpoints, tail(w.out.String(), 4000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("workspace wrote no endpoints within 60 s:\n%s", tail(w.out.String(), 4000))
		}
	}
	if w.FHIR != fhirFront || !strings.HasPrefix(w.DICOMweb, w.DICOMOrigin+"/") || w.EventHubs == "" {
		t.Fatalf("endpoints = %s %s %s; want the fronts on the ports given", w.FHIR, w.DICOMweb, w.EventHubs)
	}
	return w
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// hubEvent is one event of an Event Hubs REST send batch.
type hubEvent struct {
	Body         string
	PartitionKey string
}

// send posts events as one Event Hubs REST send batch.
func (w *e2eWorkspace) send(t testing.TB, events ...hubEvent) {
	t.Helper()
	type broker struct {
		PartitionKey string `json:"PartitionKey,omitempty"`
	}
	type item struct {
		Body             string `json:"Body"`
		BrokerProperties broker `json:"BrokerProperties"`
	}
	items := make([]item, len(events))
	for i, e := range events {
		items[i] = item{Body: e.Body, BrokerProperties: broker{e.PartitionKey}}
	}
	body, _ := json.Marshal(items)
	res, err := http.Post(w.EventHubs, "application/vnd.microsoft.servicebus.json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		b, _ := readAll(res)
		t.Fatalf("Event Hubs send = %d %s", res.StatusCode, b)
	}
}

func readAll(res *http.Response) (string, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(res.Body)
	return b.String(), err
}

// delivered is the number of events the workspace's device-telemetry
// consumers have checkpointed (handled), summed over partitions.
func (w *e2eWorkspace) delivered(ctx context.Context) (int64, error) {
	prefix := strings.ToLower(w.namespace + "/device-telemetry/$default/checkpoint/")
	pager := w.blob.NewListBlobsFlatPager("azure-webjobs-eventhub", &container.ListBlobsFlatOptions{
		Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true}})
	var n int64
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		for _, it := range page.Segment.BlobItems {
			for k, v := range it.Metadata {
				if strings.EqualFold(k, "sequencenumber") && v != nil {
					seq, err := strconv.ParseInt(*v, 10, 64)
					if err != nil {
						return 0, fmt.Errorf("checkpoint %s: sequencenumber %q", *it.Name, *v)
					}
					n += seq + 1
				}
			}
		}
	}
	return n, nil
}

// deadLetters lists the handler's dead letters of device-telemetry.
func (w *e2eWorkspace) deadLetters(t testing.TB) []deadletter.Summary {
	t.Helper()
	sums, err := deadletter.NewBlob(w.blob, w.container).List(context.Background(), "device-telemetry")
	if err != nil {
		t.Fatal(err)
	}
	return sums
}
