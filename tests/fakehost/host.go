package fakehost

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HostVersion is the version the fake host claims in its headers.
const HostVersion = "4.1037.0.0"

// Level is a host log level.
type Level string

// The levels the host gives console lines (contract §3).
const (
	Information Level = "Information"
	Warning     Level = "Warning"
	Error       Level = "Error"
)

// Line is one console line of the handler as the host logs it.
type Line struct {
	Level Level
	Text  string
}

// Options configure Start.
type Options struct {
	// Env is the app settings, passed as the environment (the host passes
	// its own environment too; the fake passes PATH and HOME only).
	Env map[string]string
	// ReadyTimeout bounds the readiness wait; default 30 s.
	ReadyTimeout time.Duration
	// PingInterval is the health ping period after start; default 1 s.
	PingInterval time.Duration
}

// Host runs one handler process.
type Host struct {
	Root *AppRoot
	Port int
	// ReadyAfter is the time from process start to the first answer.
	ReadyAfter time.Duration

	opts   Options
	client *http.Client

	mu       sync.Mutex
	cmd      *exec.Cmd
	exitedc  chan struct{}
	lines    []Line
	exits    []time.Time
	fatal    error
	stopping bool
	done     chan struct{}
}

// Start launches the handler of root and waits until it is ready.
func Start(ctx context.Context, root *AppRoot, opts Options) (*Host, error) {
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 30 * time.Second
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = time.Second
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	h := &Host{Root: root, Port: port, opts: opts, client: &http.Client{}, done: make(chan struct{})}
	if err := h.launch(ctx); err != nil {
		return nil, err
	}
	go h.ping()
	return h, nil
}

func (h *Host) launch(ctx context.Context) error {
	cmd := exec.Command(h.Root.Executable, h.Root.Args...)
	cmd.Dir = h.Root.WorkDir
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range h.opts.Env {
		env = append(env, k+"="+v)
	}
	id := newGUID()
	p := strconv.Itoa(h.Port)
	env = append(env,
		"FUNCTIONS_CUSTOMHANDLER_PORT="+p, "FUNCTIONS_HTTPWORKER_PORT="+p,
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID="+id, "FUNCTIONS_HTTPWORKER_ID="+id,
		"FUNCTIONS_APP_ROOT_PATH="+h.Root.Dir)
	cmd.Env = env
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start handler %s: %w", h.Root.Executable, err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); h.capture(stdout, false) }()
	go func() { defer wg.Done(); h.capture(stderr, true) }()
	exited := make(chan struct{})
	h.mu.Lock()
	h.cmd, h.exitedc = cmd, exited
	h.mu.Unlock()
	go func() {
		wg.Wait()
		err := cmd.Wait()
		close(exited)
		h.exited(cmd, err)
	}()

	// Readiness: any HTTP answer counts; only connection errors mean wait.
	deadline := time.Now().Add(h.opts.ReadyTimeout)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := h.get(ctx); err == nil {
			h.ReadyAfter = time.Since(start)
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return fmt.Errorf("handler not ready after %v; last console lines: %v", h.opts.ReadyTimeout, h.tail(5))
		}
		select {
		case <-exited:
			return fmt.Errorf("handler exited before it was ready: %v; last console lines: %v", cmd.ProcessState, h.tail(5))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (h *Host) get(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.url("/"), nil)
	res, err := h.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.Body.Close()
}

// ping keeps sending the host's periodic health ping.
func (h *Host) ping() {
	t := time.NewTicker(h.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
			_ = h.get(context.Background())
		}
	}
}

// exited applies the host's restart rules: exit code 200 is an intentional
// restart; other exits are worker errors, and 3 within 30 minutes end the
// host (contract §3).
func (h *Host) exited(cmd *exec.Cmd, err error) {
	h.mu.Lock()
	if h.stopping || h.cmd != cmd {
		h.mu.Unlock()
		return
	}
	code := cmd.ProcessState.ExitCode()
	if code != 200 {
		now := time.Now()
		h.exits = append(h.exits, now)
		n := 0
		for _, t := range h.exits {
			if now.Sub(t) < 30*time.Minute {
				n++
			}
		}
		if n >= 3 {
			h.fatal = fmt.Errorf("exceeded http worker restart retry count: handler exited %d times (last: %v)", n, err)
			h.mu.Unlock()
			return
		}
	}
	h.mu.Unlock()
	if lerr := h.launch(context.Background()); lerr != nil {
		h.mu.Lock()
		h.fatal = lerr
		h.mu.Unlock()
	}
}

func (h *Host) capture(r io.Reader, isStderr bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		l := Line{Level: Information, Text: sc.Text()}
		if isStderr {
			l.Level = Error
			if strings.Contains(strings.ToLower(l.Text), "warn") {
				l.Level = Warning
			}
		}
		h.mu.Lock()
		h.lines = append(h.lines, l)
		h.mu.Unlock()
	}
}

// Lines returns the console lines so far.
func (h *Host) Lines() []Line {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Line(nil), h.lines...)
}

func (h *Host) tail(n int) []Line {
	l := h.Lines()
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return l
}

// Err returns the host's fatal error, if the handler could not be kept up.
func (h *Host) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fatal
}

// PID returns the current handler process id.
func (h *Host) PID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cmd.Process.Pid
}

// Stop ends the handler (SIGTERM, then SIGKILL after 5 s).
func (h *Host) Stop() error {
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		return nil
	}
	h.stopping = true
	cmd, exited := h.cmd, h.exitedc
	h.mu.Unlock()
	close(h.done)
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	return nil
}

func (h *Host) url(path string) string { return "http://127.0.0.1:" + strconv.Itoa(h.Port) + path }

// Response is the handler's answer as the host reads it.
type Response struct {
	Status int
	Body   []byte
	// Outputs, Logs and ReturnValue are empty on non-2xx: the host discards them.
	Outputs     map[string]json.RawMessage
	Logs        []string
	ReturnValue json.RawMessage
}

// chunked hides the reader's length so net/http sends the body chunked,
// without Content-Length, as the host does (contract §4.1).
type chunked struct{ io.Reader }

// Invoke sends one invocation envelope to function and checks the answer as
// the host would (contract §6, §15). A protocol violation is an error.
func (h *Host) Invoke(ctx context.Context, function string, envelope []byte) (*Response, error) {
	f, ok := h.Root.Functions[function]
	if !ok {
		return nil, fmt.Errorf("no function %q in the app root", function)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url("/"+function), chunked{bytes.NewReader(envelope)})
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Azure-Functions-HostVersion", HostVersion)
	req.Header.Set("X-Azure-Functions-InvocationId", newGUID())
	req.Header.Set("User-Agent", "Azure-Functions-Host/"+HostVersion)
	res, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", function, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: read answer: %w", function, err)
	}
	out := &Response{Status: res.StatusCode, Body: body}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return out, nil
	}
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if mt != "application/json" && mt != "text/json" {
		return out, fmt.Errorf("invoke %s: Content-Type %q: the host rejects it as an invalid HttpResponseMessage", function, res.Header.Get("Content-Type"))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return out, fmt.Errorf("invoke %s: empty 2xx body: the real host would hang until functionTimeout", function)
	}
	var ir map[string]json.RawMessage
	if err := json.Unmarshal(body, &ir); err != nil {
		return out, fmt.Errorf("invoke %s: body is not a JSON object: %w", function, err)
	}
	for k, v := range ir {
		switch strings.ToLower(k) { // the host matches these case-insensitively
		case "outputs":
			if err := json.Unmarshal(v, &out.Outputs); err != nil && string(v) != "null" {
				return out, fmt.Errorf("invoke %s: Outputs is not an object: %w", function, err)
			}
		case "logs":
			if err := json.Unmarshal(v, &out.Logs); err != nil && string(v) != "null" {
				return out, fmt.Errorf("invoke %s: Logs is not an array of strings: %w", function, err)
			}
		case "returnvalue":
			out.ReturnValue = v
		}
	}
	outs := f.Outputs()
	for k, v := range out.Outputs {
		typ, ok := outs[k]
		if !ok {
			return out, fmt.Errorf("invoke %s: Outputs key %q is not an out binding of function.json (names are case-sensitive)", function, k)
		}
		if typ == "http" && (len(v) == 0 || v[0] != '{') {
			return out, fmt.Errorf("invoke %s: http output %q must be an object", function, k)
		}
		var s string
		if typ != "http" && json.Unmarshal(v, &s) == nil {
			if _, err := base64.StdEncoding.DecodeString(s); err == nil {
				return out, fmt.Errorf("invoke %s: output %q is a bare string that is valid base64; the host would decode it (contract §6.4)", function, k)
			}
		}
	}
	return out, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

