/** Run configs: bivdiff's YAML schema, BIVDiff's official config files, overrides and validation. */
package org.bivdiff.cli.config;
