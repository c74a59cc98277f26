// Package sut describes the programs under test to themselves: the kmbridge
// configuration file and the baseline's flags that point them at the KM
// simulator and the fake platforms. It uses only kmbridge's external
// interface, its configuration keys.
package sut

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// KM is the KM robot both programs talk to (the simulator).
type KM struct {
	URL       string // API base, e.g. http://127.0.0.1:1234/api
	Email     string
	Token     string
	RobotID   int64
	ChannelID int64
	ModelKey  string
}

// KMBridgeConfig returns kmbridge's configuration: KM, the HTTP listen
// address, the memory store's snapshot file, the web chat off unless the
// platform sections turn it on, the platform's keys (merged into the
// sections), and then the overrides ("key.path=YAML value"), which win.
func KMBridgeConfig(km KM, listen, snapshot string, platform map[string]any, sets []string) (map[string]any, error) {
	cfg := map[string]any{
		"km": map[string]any{
			"base_url": km.URL, "email": km.Email, "token": km.Token,
			"robot_id": km.RobotID, "channel_id": km.ChannelID, "model_key": km.ModelKey,
		},
		"http":  map[string]any{"listen": listen},
		"web":   map[string]any{"enabled": false},
		"store": map[string]any{"snapshot_path": snapshot},
		"log":   map[string]any{"level": "info", "format": "text"},
	}
	for section, v := range platform {
		add, ok := v.(map[string]any)
		have, merge := cfg[section].(map[string]any)
		if !ok || !merge {
			cfg[section] = v
			continue
		}
		for k, kv := range add {
			have[k] = kv
		}
	}
	for _, kv := range sets {
		if err := Set(cfg, kv); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// Set applies one "a.b.c=value" override; the value is read as YAML, so
// numbers, booleans, durations and lists keep their type.
func Set(cfg map[string]any, kv string) error {
	key, raw, ok := strings.Cut(kv, "=")
	path := strings.Split(key, ".")
	if !ok || key == "" || len(path) < 2 {
		return fmt.Errorf("sut: set %q: want section.key=value", kv)
	}
	var v any
	if err := yaml.Unmarshal([]byte(raw), &v); err != nil {
		return fmt.Errorf("sut: set %q: %w", kv, err)
	}
	m := cfg
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
	return nil
}

// YAML encodes a configuration.
func YAML(cfg map[string]any) ([]byte, error) { return yaml.Marshal(cfg) }

// BaselineArgs returns the baseline's flags: listen address, platform, KM,
// and the platform's own flags.
func BaselineArgs(km KM, listen, platform string, extra []string) []string {
	return append([]string{
		"-listen", listen, "-platform", platform,
		"-km-url", km.URL, "-km-email", km.Email, "-km-token", km.Token,
		"-robot-id", strconv.FormatInt(km.RobotID, 10), "-channel-id", strconv.FormatInt(km.ChannelID, 10),
	}, extra...)
}
