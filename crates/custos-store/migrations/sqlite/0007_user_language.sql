-- Each user's interface language (en or zh-CN); NULL means follow the browser.
ALTER TABLE users ADD COLUMN language TEXT;
