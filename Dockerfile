# A review-cycle worker: Node.js, the project's Python venv with XGBoost, and the code.
FROM node:20-bookworm-slim

RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 python3-venv \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY package.json package-lock.json requirements.txt requirements-temporal.txt ./
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh

COPY . .

ENV TEMPORAL_ADDRESS=temporal:7233 TEMPORAL_NAMESPACE=default
CMD ["node", "--import", "tsx", "workers/main.ts"]
