// The e2e cluster's rclone: rclone v1.75.1's own main (rclone.go) with only what the e2e tests use, so the cold build
// compiles two backends instead of all of them. Backends: local (the S3 server's storage, the pod's files) and s3
// (the stack's upload container, the suite's checks). Commands: those of the upload container (copyto), of the
// suite (copy, lsf, lsl, cat, mkdir, version) and `serve s3`, the object store the stack uploads to.
package main

import (
	_ "github.com/rclone/rclone/backend/local"
	_ "github.com/rclone/rclone/backend/s3"
	"github.com/rclone/rclone/cmd"
	_ "github.com/rclone/rclone/cmd/cat"
	_ "github.com/rclone/rclone/cmd/copy"
	_ "github.com/rclone/rclone/cmd/copyto"
	_ "github.com/rclone/rclone/cmd/lsf"
	_ "github.com/rclone/rclone/cmd/lsl"
	_ "github.com/rclone/rclone/cmd/mkdir"
	_ "github.com/rclone/rclone/cmd/serve"
	_ "github.com/rclone/rclone/cmd/serve/s3"
	_ "github.com/rclone/rclone/cmd/version"
)

func main() {
	cmd.Main()
}
