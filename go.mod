module github.com/vcheck-dev/vcheck

go 1.26
