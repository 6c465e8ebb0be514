throw new Error("hidden folders must not be collected");
