#!/bin/sh
echo '{"web": ['
