module couponsd/clients/go

go 1.19
