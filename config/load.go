package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment override: KMBRIDGE_<SECTION>_<KEY>.
const EnvPrefix = "KMBRIDGE_"

// Duration is a time.Duration written as "15s", "30m", "168h" (or a number of seconds).
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts "15s" or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes the duration as text.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

func parseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Duration(time.Duration(n) * time.Second), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (write e.g. 15s, 30m, 168h)", s)
	}
	return Duration(v), nil
}

// Load reads the configuration: defaults, then the YAML file at path (if path is
// not empty), then environment overrides from getenv (os.LookupEnv in production).
// It does not validate; call Validate.
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
	cfg := Defaults()
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		if err := decodeYAML(f, &cfg); err != nil {
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if getenv != nil {
		if err := applyEnv(&cfg, getenv); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	return &cfg, nil
}

// Parse reads a YAML configuration from r over the defaults (no environment).
func Parse(r io.Reader) (*Config, error) {
	cfg := Defaults()
	if err := decodeYAML(r, &cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &cfg, nil
}

func decodeYAML(r io.Reader, cfg *Config) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt key is an error, not silently ignored
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// EnvKeys lists every environment variable Load understands, in struct order.
func EnvKeys() []string {
	var keys []string
	walk(reflect.ValueOf(&Config{}).Elem(), func(env, _ string, _ reflect.Value, _ reflect.StructField) {
		keys = append(keys, env)
	})
	return keys
}

// walk visits every leaf field of a section struct with its env name and yaml path.
func walk(v reflect.Value, fn func(env, path string, f reflect.Value, sf reflect.StructField)) {
	t := v.Type()
	for i := range t.NumField() {
		sec := t.Field(i)
		if sec.Tag.Get("env") == "-" || sec.Type.Kind() != reflect.Struct {
			continue
		}
		secName := yamlName(sec)
		sv := v.Field(i)
		for j := range sec.Type.NumField() {
			f := sec.Type.Field(j)
			key := yamlName(f)
			fn(EnvPrefix+strings.ToUpper(secName+"_"+key), secName+"."+key, sv.Field(j), f)
		}
	}
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func applyEnv(cfg *Config, getenv func(string) (string, bool)) error {
	var errs []error
	walk(reflect.ValueOf(cfg).Elem(), func(env, path string, f reflect.Value, _ reflect.StructField) {
		s, ok := getenv(env)
		if !ok {
			return
		}
		if err := setField(f, s); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", env, path, err))
		}
	})
	return errors.Join(errs...)
}

func setField(f reflect.Value, s string) error {
	switch f.Interface().(type) {
	case Duration:
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		f.Set(reflect.ValueOf(d))
		return nil
	case *bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		f.Set(reflect.ValueOf(&b))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		f.SetInt(n)
	case reflect.Slice:
		parts := splitList(s)
		out := reflect.MakeSlice(f.Type(), 0, len(parts))
		for _, p := range parts {
			e := reflect.New(f.Type().Elem()).Elem()
			if err := setField(e, p); err != nil {
				return err
			}
			out = reflect.Append(out, e)
		}
		f.Set(out)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Redacted returns a copy with every secret replaced by "***" (for `kmbridge config`).
func (c Config) Redacted() Config {
	walk(reflect.ValueOf(&c).Elem(), func(_, _ string, f reflect.Value, sf reflect.StructField) {
		if sf.Tag.Get("secret") == "true" && f.Kind() == reflect.String && f.String() != "" {
			f.SetString("***")
		}
	})
	return c
}
