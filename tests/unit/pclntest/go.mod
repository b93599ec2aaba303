module pclntest

go 1.19
