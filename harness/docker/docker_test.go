package docker

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPingNamesTheFix(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    *Engine
		env  map[string]string
	}{
		{"no cli", &Engine{Binary: "/nonexistent/docker"}, nil},
		{"engine down", New(), map[string]string{"DOCKER_HOST": "unix:///nonexistent/docker.sock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			err := tc.e.Ping(context.Background())
			if !errors.Is(err, ErrEngine) {
				t.Fatalf("Ping = %v, want ErrEngine", err)
			}
			if tc.name == "engine down" && !contains(err.Error(), "scripts/setup.sh") {
				t.Errorf("error %q does not say how to start an engine", err)
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestTarRoundTrip(t *testing.T) {
	in := map[string][]byte{"etc/a.xml": []byte("<a/>"), "run.sh": []byte("#!/bin/sh\n")}
	tb, err := tarFiles(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Untar(tb)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range in {
		if string(out[k]) != string(v) {
			t.Errorf("%s: got %q", k, out[k])
		}
	}
}

func TestParseListed(t *testing.T) {
	got := parseListed("hh-a-hadoop001\tio.haharness=1,io.haharness.cluster=a\n\nhh-b\t\n")
	if len(got) != 2 || got[0].Labels["io.haharness.cluster"] != "a" || got[1].Name != "hh-b" {
		t.Fatalf("%+v", got)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]uint64{"0B": 0, "512KiB": 512 << 10, "1.5GiB": 3 << 29, "12MB": 12e6, "100MiB": 100 << 20} {
		got, err := parseBytes(in)
		if err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseBytes("12 parsecs"); err == nil {
		t.Error("bad unit accepted")
	}
}
