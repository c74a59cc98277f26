package kmsim_test

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestAuth(t *testing.T) {
	initBody := map[string]any{"robotId": 83, "channelId": 82}
	type query func(f *fixture) url.Values
	v1 := func(email, token string, skew time.Duration) query {
		return func(f *fixture) url.Values {
			ts := f.clock.Now().Add(skew).Unix()
			return url.Values{"email": {email}, "timestamp": {strconv.FormatInt(ts, 10)}, "sign": {kmclient.SignV1(email, token, ts)}}
		}
	}
	v2 := func(nonce string) query {
		return func(f *fixture) url.Values {
			ts := f.clock.Now().Unix()
			return url.Values{"email": {kmsim.SampleEmail}, "timestamp": {strconv.FormatInt(ts, 10)}, "nonce": {nonce},
				"sign_version": {"v2"}, "sign": {kmclient.SignV2(kmsim.SampleEmail, kmsim.SampleToken, ts, nonce)}}
		}
	}
	edit := func(q query, change func(url.Values)) query {
		return func(f *fixture) url.Values { v := q(f); change(v); return v }
	}
	good := v1(kmsim.SampleEmail, kmsim.SampleToken, 0)
	cases := []struct {
		name string
		opts kmsim.Options
		q    query
		want string // "" = accepted
		ver  string
	}{
		{"v1", kmsim.Options{}, good, "", "v1"},
		{"v1 upper-case sign", kmsim.Options{}, edit(good, func(v url.Values) { v.Set("sign", upper(v.Get("sign"))) }), "", "v1"},
		{"v1 explicit", kmsim.Options{}, edit(good, func(v url.Values) { v.Set("sign_version", "v1") }), "", "v1"},
		{"v2", kmsim.Options{}, v2("n0nce-1"), "", "v2"},
		{"clock skew within 5 min", kmsim.Options{}, v1(kmsim.SampleEmail, kmsim.SampleToken, -4*time.Minute), "", "v1"},
		{"wrong token", kmsim.Options{}, v1(kmsim.SampleEmail, "nope", 0), kmsim.MsgSignatureFailed, ""},
		{"wrong email", kmsim.Options{}, v1("eve@example.com", kmsim.SampleToken, 0), kmsim.MsgSignatureFailed, ""},
		{"no sign", kmsim.Options{}, edit(good, func(v url.Values) { v.Del("sign") }), kmsim.MsgSignatureFailed, ""},
		{"no timestamp", kmsim.Options{}, edit(good, func(v url.Values) { v.Del("timestamp") }), kmsim.MsgSignatureFailed, ""},
		{"timestamp not a number", kmsim.Options{}, edit(good, func(v url.Values) { v.Set("timestamp", "soon") }), kmsim.MsgSignatureFailed, ""},
		{"stale", kmsim.Options{}, v1(kmsim.SampleEmail, kmsim.SampleToken, -6*time.Minute), kmsim.MsgRequestExpired, ""},
		{"future", kmsim.Options{}, v1(kmsim.SampleEmail, kmsim.SampleToken, 6*time.Minute), kmsim.MsgRequestExpired, ""},
		{"milliseconds", kmsim.Options{}, func(f *fixture) url.Values {
			ts := f.clock.Now().UnixMilli()
			return url.Values{"email": {kmsim.SampleEmail}, "timestamp": {strconv.FormatInt(ts, 10)}, "sign": {kmclient.SignV1(kmsim.SampleEmail, kmsim.SampleToken, ts)}}
		}, kmsim.MsgRequestExpired, ""},
		{"custom skew", kmsim.Options{MaxSkew: time.Minute}, v1(kmsim.SampleEmail, kmsim.SampleToken, -2*time.Minute), kmsim.MsgRequestExpired, ""},
		{"v2 without nonce", kmsim.Options{}, edit(v2("x"), func(v url.Values) { v.Del("nonce") }), kmsim.MsgSignatureFailed, ""},
		{"v2 signed with v1", kmsim.Options{}, edit(good, func(v url.Values) { v.Set("sign_version", "v2"); v.Set("nonce", "x") }), kmsim.MsgSignatureFailed, ""},
		{"unknown sign_version", kmsim.Options{}, edit(good, func(v url.Values) { v.Set("sign_version", "v3") }), kmsim.MsgSignatureFailed, ""},
		{"tenant wants v2, gets v1", kmsim.Options{SignVersion: "v2"}, good, kmsim.MsgSignatureFailed, ""},
		{"tenant wants v1, gets v2", kmsim.Options{SignVersion: "v1"}, v2("n"), kmsim.MsgSignatureFailed, ""},
		{"tenant wants v2, gets v2", kmsim.Options{SignVersion: "v2"}, v2("n"), "", "v2"},
		{"custom credentials", kmsim.Options{Email: "ops@corp.example", Token: "s3cret"}, v1("ops@corp.example", "s3cret", 0), "", "v1"},
		{"NoAuth", kmsim.Options{NoAuth: true}, func(*fixture) url.Values { return url.Values{} }, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts)
			r := f.send("POST", f.srv.URL+"/api/v1/initClient?"+tc.q(f).Encode(), initBody)
			if tc.want == "" {
				r.ok(t, nil)
			} else if r.status != 401 || r.env.Code != 401 || r.env.Message != tc.want {
				t.Fatalf("want HTTP 401 code 401 %q, got HTTP %d %s", tc.want, r.status, r.raw)
			}
			calls := f.sim.Calls()
			if len(calls) != 1 || calls[0].SignVersion != tc.ver {
				t.Fatalf("recorded %+v", calls)
			}
			for _, k := range []string{"sign", "email", "timestamp", "nonce", "sign_version"} {
				if calls[0].Query.Has(k) {
					t.Errorf("recorded query keeps %q", k)
				}
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func TestRouting(t *testing.T) {
	f := newFixture(t, kmsim.Options{BasePath: "/km/api/"})
	q := f.signedQuery()
	r := f.send("POST", f.srv.URL+"/km/api/v1/initClient?"+q.Encode(), map[string]any{"robotId": 83, "channelId": 82})
	r.ok(t, nil)
	r = f.send("POST", f.srv.URL+"/km/api/v1/nothing?"+q.Encode(), "{}")
	if r.status != 404 || r.env.Code != 404 {
		t.Errorf("unknown path: HTTP %d %s", r.status, r.raw)
	}
	r = f.send("GET", f.srv.URL+"/km/api/v1/chat?"+q.Encode(), nil)
	if r.status != 405 || r.env.Message != "Request method 'GET' not supported" {
		t.Errorf("wrong method: HTTP %d %s", r.status, r.raw)
	}
	r = f.send("POST", f.srv.URL+"/api/v1/initClient?"+q.Encode(), map[string]any{"robotId": 83, "channelId": 82})
	if r.status != 404 {
		t.Errorf("outside the base path: HTTP %d", r.status)
	}
}
