-- Each service owns its database.
CREATE DATABASE referrals;
CREATE DATABASE casework;
CREATE DATABASE directory;
CREATE DATABASE reporting;
