package store

// MapErr exposes mapErr to the external tests.
var MapErr = mapErr
