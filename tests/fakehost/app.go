package fakehost

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binding is one function.json binding.
type Binding struct {
	Type        string `json:"type"`
	Direction   string `json:"direction"`
	Name        string `json:"name"`
	Cardinality string `json:"cardinality,omitempty"`
	DataType    string `json:"dataType,omitempty"`
}

// Function is one function folder of the app root.
type Function struct {
	Name     string
	Bindings []Binding
	Retry    *RetryPolicy
}

// RetryPolicy is a function-level retry policy (contract §11.4).
type RetryPolicy struct {
	Strategy        string `json:"strategy"`
	MaxRetryCount   int    `json:"maxRetryCount"`
	DelayInterval   string `json:"delayInterval,omitempty"`
	MinimumInterval string `json:"minimumInterval,omitempty"`
	MaximumInterval string `json:"maximumInterval,omitempty"`
}

// Trigger returns the function's trigger binding.
func (f Function) Trigger() Binding {
	for _, b := range f.Bindings {
		if strings.HasSuffix(b.Type, "Trigger") {
			return b
		}
	}
	return Binding{}
}

// Outputs returns the names of the out bindings.
func (f Function) Outputs() map[string]string {
	out := map[string]string{}
	for _, b := range f.Bindings {
		if b.Direction == "out" {
			out[b.Name] = b.Type
		}
	}
	return out
}

// AppRoot is a validated app root.
type AppRoot struct {
	Dir        string
	Executable string
	WorkDir    string
	Args       []string
	Functions  map[string]Function
	HostJSON   map[string]any
}

// LoadAppRoot validates dir as the host would: host.json present and valid,
// every function a direct child holding a parseable function.json, and the
// executable resolved against the app root (the §2 path quirk) with its
// executable bit set.
func LoadAppRoot(dir string) (*AppRoot, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "host.json"))
	if err != nil {
		return nil, fmt.Errorf("app root %s: %w", dir, err)
	}
	var host struct {
		CustomHandler struct {
			Description struct {
				DefaultExecutablePath string   `json:"defaultExecutablePath"`
				WorkingDirectory      string   `json:"workingDirectory"`
				Arguments             []string `json:"arguments"`
			} `json:"description"`
			EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
		} `json:"customHandler"`
	}
	if err := json.Unmarshal(b, &host); err != nil {
		return nil, fmt.Errorf("host.json: %w", err)
	}
	root := &AppRoot{Dir: dir, Functions: map[string]Function{}, Args: host.CustomHandler.Description.Arguments}
	_ = json.Unmarshal(b, &root.HostJSON)
	exe := host.CustomHandler.Description.DefaultExecutablePath
	if exe == "" {
		return nil, errors.New("host.json: customHandler.description.defaultExecutablePath is empty")
	}
	// §2: a relative path is resolved against the app root only if that
	// file exists; otherwise the bare name is looked up on PATH.
	if !filepath.IsAbs(exe) {
		if _, err := os.Stat(filepath.Join(dir, exe)); err == nil {
			exe = filepath.Join(dir, exe)
		} else if p, err := exec.LookPath(exe); err == nil {
			exe = p
		} else {
			return nil, fmt.Errorf("executable %q: not in the app root and not on PATH", host.CustomHandler.Description.DefaultExecutablePath)
		}
	}
	st, err := os.Stat(exe)
	if err != nil {
		return nil, fmt.Errorf("executable: %w", err)
	}
	if st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("executable %s lacks the executable bit (mode %v)", exe, st.Mode())
	}
	root.Executable = exe
	root.WorkDir = filepath.Join(dir, host.CustomHandler.Description.WorkingDirectory)

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		fb, err := os.ReadFile(filepath.Join(dir, e.Name(), "function.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var fj struct {
			Bindings []Binding    `json:"bindings"`
			Retry    *RetryPolicy `json:"retry"`
		}
		if err := json.Unmarshal(fb, &fj); err != nil {
			return nil, fmt.Errorf("%s/function.json: %w", e.Name(), err)
		}
		f := Function{Name: e.Name(), Bindings: fj.Bindings, Retry: fj.Retry}
		if f.Trigger().Type == "" {
			return nil, fmt.Errorf("%s/function.json: no trigger binding", e.Name())
		}
		root.Functions[e.Name()] = f
	}
	return root, nil
}
