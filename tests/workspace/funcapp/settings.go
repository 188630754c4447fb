package funcapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// LoadSettings reads the Values of root/local.settings.json; a missing file
// gives no settings.
func LoadSettings(root string) (map[string]string, error) {
	p := filepath.Join(root, "local.settings.json")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load settings: %w", err)
	}
	var ls struct {
		Values map[string]string `json:"Values"`
	}
	if err := json.Unmarshal(b, &ls); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if ls.Values == nil {
		ls.Values = map[string]string{}
	}
	return ls.Values, nil
}

var settingRef = regexp.MustCompile(`%([^%]+)%`)

// Expand resolves %NAME% app-setting references in a binding property, as
// the host does, looking each name up with lookup. ok is false when a
// reference resolves to nothing.
func Expand(s string, lookup func(string) string) (string, bool) {
	ok := true
	out := settingRef.ReplaceAllStringFunc(s, func(m string) string {
		v := lookup(m[1 : len(m)-1])
		if v == "" {
			ok = false
		}
		return v
	})
	return out, ok
}
