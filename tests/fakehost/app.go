package fakehost

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ahds-events/ahds/tests/workspace/funcapp"
)

// AppRoot is a validated app root: the functions as funcapp reads them, and
// the custom handler's launch description from host.json.
type AppRoot struct {
	*funcapp.App
	Executable string
	WorkDir    string
	Args       []string
}

// LoadAppRoot validates dir as the host would: host.json and every
// function.json parse (funcapp.Load), and the executable resolves against
// the app root with the §2 path quirk and has its executable bit.
func LoadAppRoot(dir string) (*AppRoot, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	app, err := funcapp.Load(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "host.json"))
	if err != nil {
		return nil, err
	}
	var host struct {
		CustomHandler struct {
			Description struct {
				DefaultExecutablePath string   `json:"defaultExecutablePath"`
				WorkingDirectory      string   `json:"workingDirectory"`
				Arguments             []string `json:"arguments"`
			} `json:"description"`
		} `json:"customHandler"`
	}
	if err := json.Unmarshal(b, &host); err != nil {
		return nil, fmt.Errorf("host.json: %w", err)
	}
	desc := host.CustomHandler.Description
	exe := desc.DefaultExecutablePath
	if exe == "" {
		return nil, errors.New("host.json: customHandler.description.defaultExecutablePath is empty")
	}
	// §2: a relative path is resolved against the app root (not the working
	// directory) only if that file exists; otherwise it is looked up on PATH.
	if !filepath.IsAbs(exe) {
		if _, err := os.Stat(filepath.Join(dir, exe)); err == nil {
			exe = filepath.Join(dir, exe)
		} else if p, err := exec.LookPath(exe); err == nil {
			exe = p
		} else {
			return nil, fmt.Errorf("executable %q: not in the app root and not on PATH", desc.DefaultExecutablePath)
		}
	}
	st, err := os.Stat(exe)
	if err != nil {
		return nil, fmt.Errorf("executable: %w", err)
	}
	if st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("executable %s lacks the executable bit (mode %v)", exe, st.Mode())
	}
	return &AppRoot{App: app, Executable: exe, WorkDir: filepath.Join(dir, desc.WorkingDirectory), Args: desc.Arguments}, nil
}
